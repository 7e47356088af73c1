"""Real concurrency: parallel threads, each with its own PostgreSQL connection and transaction."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from prakerja.ledger.errors import InsufficientBalance
from prakerja.ledger.models import AccountKind, Posting
from prakerja.ledger.selectors import account_balance, ledger_check
from prakerja.ledger.services import Line, account_get_or_create, posting_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concurrency")]

SPENDERS = 20
PRICE = 500_000


def test_twenty_parallel_spends_against_a_balance_for_seven_let_exactly_seven_through():
    # given a card holding exactly seven course prices
    budget = account_get_or_create(kind=AccountKind.STATE_BUDGET)
    card = account_get_or_create(kind=AccountKind.PARTICIPANT_TRAINING, owner_ref="card-race")
    platform = account_get_or_create(kind=AccountKind.PLATFORM_PAYABLE, owner_ref="platform-race")
    posting_create(
        idempotency_key="fund", kind="card.issue", lines=[Line(budget.pk, -7 * PRICE), Line(card.pk, 7 * PRICE)]
    )
    start = threading.Barrier(SPENDERS)

    def spend(n: int) -> str:
        try:
            start.wait()
            posting_create(
                idempotency_key=f"purchase-{n}",
                kind="purchase.confirm",
                lines=[Line(card.pk, -PRICE), Line(platform.pk, PRICE)],
            )
            return "ok"
        except InsufficientBalance as exc:
            return f"refused: {exc}"
        finally:
            connection.close()

    # when twenty purchases are confirmed at the same moment
    with ThreadPoolExecutor(max_workers=SPENDERS) as pool:
        outcomes = list(pool.map(spend, range(SPENDERS)))

    # then exactly seven went through, the rest were told why, and the ledger balances
    assert outcomes.count("ok") == 7
    assert sum(o.startswith("refused") for o in outcomes) == SPENDERS - 7
    assert account_balance(account=card) == 0
    assert account_balance(account=platform) == 7 * PRICE
    assert Posting.objects.filter(kind="purchase.confirm").count() == 7
    assert ledger_check().ok


def test_the_same_posting_submitted_in_parallel_is_written_once():
    budget = account_get_or_create(kind=AccountKind.STATE_BUDGET)
    card = account_get_or_create(kind=AccountKind.PARTICIPANT_TRAINING, owner_ref="card-dup")
    start = threading.Barrier(10)

    def issue(_: int) -> bool:
        try:
            start.wait()
            return posting_create(
                idempotency_key="issue-once", kind="card.issue", lines=[Line(budget.pk, -100), Line(card.pk, 100)]
            ).created
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        created = list(pool.map(issue, range(10)))

    assert created.count(True) == 1
    assert account_balance(account=card) == 100
