from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from applicants.duplicates.photos import ktp_phash_backfill


class Command(BaseCommand):
    help = "Compute the perceptual hash of every stored KTP photo that has none (photos uploaded before hashing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{ktp_phash_backfill(batch=options['batch'])} KTP photos hashed.")
