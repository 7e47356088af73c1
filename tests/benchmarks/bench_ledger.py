"""Ledger throughput: single postings through the service, and a wave-sized bulk issuance."""

import time

import pytest
from django.db import connection, transaction

from prakerja.ledger.models import AccountKind
from prakerja.ledger.selectors import account_balance, ledger_check
from prakerja.ledger.services import (
    BulkPosting,
    Line,
    account_get_or_create,
    accounts_ensure_bulk,
    posting_create,
    postings_create_bulk,
)

pytestmark = pytest.mark.django_db(transaction=True)

SINGLE_POSTINGS = 5_000
BULK_POSTINGS = 1_000_000
CARD_BALANCE = 3_500_000


def funded_training_fund(amount: int) -> int:
    budget = account_get_or_create(kind=AccountKind.STATE_BUDGET)
    fund = account_get_or_create(kind=AccountKind.FUND_TRAINING)
    posting_create(
        idempotency_key="bench-budget", kind="budget", lines=[Line(budget.pk, -amount), Line(fund.pk, amount)]
    )
    return fund.pk


def test_single_postings_sequential(report):
    # Each call is its own transaction, as a purchase confirmation would be.
    fund = funded_training_fund(10**15)
    card = account_get_or_create(kind=AccountKind.PARTICIPANT_TRAINING, owner_ref="bench-card").pk
    started = time.perf_counter()
    for n in range(SINGLE_POSTINGS):
        posting_create(idempotency_key=f"single-{n}", kind="bench", lines=[Line(fund, -1000), Line(card, 1000)])
    elapsed = time.perf_counter() - started
    report("ledger.single_postings_sequential", SINGLE_POSTINGS / elapsed, "postings/s", size=SINGLE_POSTINGS)
    report("ledger.single_posting_latency_mean", elapsed / SINGLE_POSTINGS * 1000, "ms", size=SINGLE_POSTINGS)


def test_bulk_card_issuance_one_million(report):
    fund = funded_training_fund(BULK_POSTINGS * CARD_BALANCE)
    owners = [f"card-{n:07d}" for n in range(BULK_POSTINGS)]

    started = time.perf_counter()
    with transaction.atomic():
        ids = accounts_ensure_bulk(kind=AccountKind.PARTICIPANT_TRAINING, owner_refs=owners)
    report("ledger.accounts_ensure_bulk", time.perf_counter() - started, "s", size=BULK_POSTINGS)

    started = time.perf_counter()
    result = postings_create_bulk(
        kind="card.issue",
        postings=(
            BulkPosting(f"card-issue-{owner}", (Line(fund, -CARD_BALANCE), Line(ids[owner], CARD_BALANCE)))
            for owner in owners
        ),
    )
    elapsed = time.perf_counter() - started
    assert result.created == BULK_POSTINGS
    report("ledger.bulk_postings_1m", elapsed, "s", size=BULK_POSTINGS, entries=2 * BULK_POSTINGS)
    report("ledger.bulk_postings_rate", BULK_POSTINGS / elapsed, "postings/s", size=BULK_POSTINGS)

    # Replay after a crash: everything is skipped, nothing is paid twice.
    started = time.perf_counter()
    again = postings_create_bulk(
        kind="card.issue",
        postings=(
            BulkPosting(f"card-issue-{owner}", (Line(fund, -CARD_BALANCE), Line(ids[owner], CARD_BALANCE)))
            for owner in owners[:100_000]
        ),
    )
    report("ledger.bulk_replay_100k_skipped", time.perf_counter() - started, "s", size=100_000)
    assert again.created == 0
    assert account_balance(account=account_get_or_create(kind=AccountKind.FUND_TRAINING)) == 0
    assert ledger_check().ok

    # Reference on the same machine: 2,000,000 bare rows into a table with two indexes.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_bare (id bigserial PRIMARY KEY, a bigint, b bigint)")
        cursor.execute("CREATE INDEX ON bench_bare (a)")
        started = time.perf_counter()
        cursor.execute("INSERT INTO bench_bare (a, b) SELECT g, g * 7 FROM generate_series(1, 2000000) AS g")
        report("postgres.bare_rows_2m_two_indexes", time.perf_counter() - started, "s", size=2_000_000)
        cursor.execute("DROP TABLE bench_bare")
