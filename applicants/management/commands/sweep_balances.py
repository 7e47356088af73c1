from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from applicants.waves.services.cards import balances_sweep_year_end


class Command(BaseCommand):
    help = "Return every unspent training balance of cards issued up to a year's end to the state treasury."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        count = balances_sweep_year_end(year=options["year"])
        self.stdout.write(f"{count} balances returned to the treasury.")
