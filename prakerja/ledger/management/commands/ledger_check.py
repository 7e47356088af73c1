from typing import Any

from django.core.management.base import BaseCommand, CommandError

from prakerja.ledger.selectors import ledger_check


class Command(BaseCommand):
    help = "Verify that the ledger balances and guarded balances match their entries."

    def handle(self, *args: Any, **options: Any) -> None:
        result = ledger_check()
        self.stdout.write(
            f"total={result.total} unbalanced={result.unbalanced_postings} drifted={result.drifted_accounts}"
        )
        if not result.ok:
            raise CommandError("the ledger does not balance")
        self.stdout.write(self.style.SUCCESS("ledger balances"))
