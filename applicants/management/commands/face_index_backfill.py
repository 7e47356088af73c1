from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from applicants.verification.face_index import face_index_backfill


class Command(BaseCommand):
    help = (
        "Put every verified face that has no entry of the current version into the face search index "
        "(faces verified before the index existed); --rebuild recomputes every entry (a new version)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=1000)
        parser.add_argument("--rebuild", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        indexed = face_index_backfill(batch=options["batch"], rebuild=options["rebuild"])
        self.stdout.write(f"{indexed} verified faces indexed.")
