from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from partners.evaluation.errors import EvaluationError
from partners.evaluation.services.evaluations import evaluation_run
from partners.evaluation.services.kpis import period_parse, previous_period
from prakerja.core.actor import Actor


class Command(BaseCommand):
    help = "Compute (or recompute) a period's draft platform evaluation, e.g. --period 2026-10."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", default="", help="YYYY-MM; last month when left out")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = period_parse(options["period"]) if options["period"] else previous_period()
            evaluation = evaluation_run(period=period, actor=Actor.system("manage.py evaluate_partners"))
        except EvaluationError as exc:
            raise CommandError(exc.message) from exc
        for result in evaluation.results.select_related("partner"):
            self.stdout.write(
                f"{result.rank:>2}. {result.partner.name:<24} score {result.score:5.1f}  "
                f"{result.get_recommendation_display():<10} purchases {result.purchases_paid:>9}"
            )
        self.stdout.write(f"{evaluation}: draft computed in {evaluation.compute_ms} ms")
