from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from applicants.registration.services.regions import regions_load


class Command(BaseCommand):
    help = "Load Indonesia's provinces and regencies/cities from the idn-area-data package (make regions-data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="directory", default=str(settings.REGIONS_DATA_DIR))

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["directory"])
        if not (directory / "provinces.csv").exists():
            raise CommandError(f"{directory} has no provinces.csv: run `make regions-data` first")
        provinces, regencies = regions_load(directory=directory)
        self.stdout.write(self.style.SUCCESS(f"{provinces} provinces, {regencies} regencies and cities loaded"))
