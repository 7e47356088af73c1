from prakerja.core.seeding import SeedContext
from prakerja.ledger.models import AccountKind
from prakerja.ledger.services import Line, account_get_or_create, posting_create

# The 2020 programme budget (Rp20 trillion), by purpose.
BUDGET_2020 = {
    AccountKind.FUND_TRAINING: 5_600_000_000_000,
    AccountKind.FUND_INCENTIVE: 13_450_000_000_000,
    AccountKind.FUND_SURVEY: 840_000_000_000,
}


def seed(context: SeedContext) -> None:
    budget = account_get_or_create(kind=AccountKind.STATE_BUDGET, name="APBN")
    account_get_or_create(kind=AccountKind.TREASURY, name="Kas Negara")
    account_get_or_create(kind=AccountKind.PAYOUTS_IN_FLIGHT, name="Insentif dalam proses transfer")
    account_get_or_create(kind=AccountKind.PAYOUTS_SETTLED, name="Insentif terkirim")
    for kind, amount in BUDGET_2020.items():
        fund = account_get_or_create(kind=kind)
        posting_create(
            idempotency_key=f"demo-budget-2020-{kind}",
            kind="budget.allocate",
            lines=[Line(account_id=budget.pk, amount=-amount), Line(account_id=fund.pk, amount=amount)],
            memo="Alokasi anggaran 2020 (demo)",
        )
