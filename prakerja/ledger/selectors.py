"""Reads from the ledger."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Sum

from prakerja.ledger.models import Entry, LedgerAccount


def account_balance(*, account: LedgerAccount) -> int:
    """The account's balance in rupiah: the guarded column for protected accounts (kept by the
    database in the same statement as the entries), the sum of entries otherwise."""
    if account.is_protected:
        return LedgerAccount.objects.values_list("balance", flat=True).get(pk=account.pk)
    total = Entry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


@dataclass(frozen=True)
class LedgerCheck:
    total: int
    unbalanced_postings: list[int]
    drifted_accounts: list[int]

    @property
    def ok(self) -> bool:
        return self.total == 0 and not self.unbalanced_postings and not self.drifted_accounts


def ledger_check() -> LedgerCheck:
    """Verify the whole ledger: every posting sums to zero, the grand total is zero, and each
    protected account's guarded balance equals the sum of its entries."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(amount), 0) FROM ledger_entry")
        total = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT posting_id FROM ledger_entry GROUP BY posting_id HAVING sum(amount) <> 0 OR count(*) < 2 LIMIT 100"
        )
        unbalanced = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            """
            SELECT a.id FROM ledger_account a
            LEFT JOIN (SELECT account_id, sum(amount) AS s FROM ledger_entry GROUP BY account_id) e
                ON e.account_id = a.id
            WHERE a.is_protected AND a.balance <> coalesce(e.s, 0)
            LIMIT 100
            """
        )
        drifted = [row[0] for row in cursor.fetchall()]
    return LedgerCheck(total=total, unbalanced_postings=unbalanced, drifted_accounts=drifted)
