import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from applicants.disbursement.services.runs import disbursement_run_create
from applicants.disbursement.services.sending import run_send_here
from applicants.disbursement.services.sweeping import payouts_resolve
from applicants.models import RunStatus


class Command(BaseCommand):
    help = (
        "Make due instalments payable and run a disbursement: the same service as the daily task. "
        "With --here the chunks are sent in this process instead of by the payouts workers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, help="the run's day (YYYY-MM-DD), default today")
        parser.add_argument("--here", action="store_true", help="send the chunks synchronously in this process")

    def handle(self, *args: Any, **options: Any) -> None:
        run = disbursement_run_create(day=options["date"])
        if run is None:
            self.stdout.write("Nothing is due.")
            return
        self.stdout.write(f"Run {run.pk}: {run.payout_count} payouts, Rp{run.total_amount:,} ({run.status}).")
        if options["here"] and run.status == RunStatus.SUBMITTING:
            self.stdout.write(f"  sent: {dict(run_send_here(run_id=run.pk))}")
            self.stdout.write(f"  status inquiries: {dict(payouts_resolve(older_than_s=0))}")
