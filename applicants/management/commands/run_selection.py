from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from applicants.models import Wave
from applicants.waves.services.selection import SelectionError, wave_selection_run


class Command(BaseCommand):
    help = "Run (or finish) a closed wave's selection: decisions, cards, balances, announcement."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wave", type=int, required=True, help="wave number")
        parser.add_argument("--seed", type=int, help="lottery seed (default: a random one, recorded)")

    def handle(self, *args: Any, **options: Any) -> None:
        wave = Wave.objects.filter(number=options["wave"]).first()
        if wave is None:
            raise CommandError(f"There is no wave {options['wave']}.")
        try:
            result = wave_selection_run(wave_id=wave.pk, seed=options["seed"])
        except SelectionError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Wave {wave.number}: seed {result.seed}, {result.decided} decisions written, "
            f"{result.cards_issued} cards issued in this run."
        )
