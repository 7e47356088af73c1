import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from applicants.disbursement.services.reconciliation import reconciliation_make


class Command(BaseCommand):
    help = "Reconcile payouts with the provider's settlement report, for a run or a day."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--run", type=int)
        parser.add_argument("--date", type=dt.date.fromisoformat)

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["run"] and not options["date"]:
            raise CommandError("Give --run or --date.")
        record = reconciliation_make(run_id=options["run"], day=options["date"])
        self.stdout.write(
            f"ours {record.ours_count} / Rp{record.ours_amount:,}; provider {record.theirs_count} / "
            f"Rp{record.theirs_amount:,}; {len(record.mismatches)} mismatches"
        )
        for mismatch in record.mismatches[:50]:
            self.stdout.write(f"  {mismatch['reference']}: {mismatch['problem']}")
