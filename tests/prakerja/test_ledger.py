"""The ledger's rules, held by the service and by PostgreSQL itself."""

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from prakerja.ledger.errors import IdempotencyConflict, InsufficientBalance, UnbalancedPosting
from prakerja.ledger.models import AccountKind, Entry, LedgerAccount, Posting
from prakerja.ledger.selectors import account_balance, ledger_check
from prakerja.ledger.services import (
    BulkPosting,
    Line,
    account_get_or_create,
    accounts_ensure_bulk,
    posting_create,
    posting_reverse,
    postings_create_bulk,
)

pytestmark = pytest.mark.django_db


def funded_participant(amount: int, owner: str = "card-1") -> tuple[LedgerAccount, LedgerAccount]:
    budget = account_get_or_create(kind=AccountKind.STATE_BUDGET)
    participant = account_get_or_create(kind=AccountKind.PARTICIPANT_TRAINING, owner_ref=owner)
    posting_create(
        idempotency_key=f"fund-{owner}",
        kind="card.issue",
        lines=[Line(budget.pk, -amount), Line(participant.pk, amount)],
    )
    return budget, participant


def test_posting_moves_money_between_accounts():
    # given a participant holding Rp1,000,000
    _budget, participant = funded_participant(1_000_000)
    platform = account_get_or_create(kind=AccountKind.PLATFORM_PAYABLE, owner_ref="tokopedia")

    # when a purchase of Rp250,000 is posted
    result = posting_create(
        idempotency_key="purchase-1",
        kind="purchase.confirm",
        lines=[Line(participant.pk, -250_000), Line(platform.pk, 250_000)],
    )

    # then both balances moved and the ledger balances
    assert result.created
    assert account_balance(account=participant) == 750_000
    assert account_balance(account=platform) == 250_000
    assert ledger_check().ok


def test_replaying_a_posting_returns_the_first_one_and_moves_nothing():
    # given a posting already written
    budget, participant = funded_participant(500_000)
    lines = [Line(participant.pk, -100_000), Line(budget.pk, 100_000)]
    first = posting_create(idempotency_key="refund-7", kind="card.revoke", lines=lines)

    # when the same posting is submitted again (a retry after a crash)
    again = posting_create(idempotency_key="refund-7", kind="card.revoke", lines=lines)

    # then it is the same posting and the money moved once
    assert not again.created
    assert again.posting.pk == first.posting.pk
    assert Posting.objects.filter(idempotency_key="refund-7").count() == 1
    assert account_balance(account=participant) == 400_000


def test_reusing_a_key_for_a_different_posting_is_a_conflict():
    budget, participant = funded_participant(500_000)
    posting_create(idempotency_key="k", kind="x", lines=[Line(participant.pk, -1), Line(budget.pk, 1)])

    with pytest.raises(IdempotencyConflict):
        posting_create(idempotency_key="k", kind="x", lines=[Line(participant.pk, -2), Line(budget.pk, 2)])


@pytest.mark.parametrize(
    "amounts",
    [[100], [100, -99], [0, 0], [100, -100, 0]],
    ids=["single-entry", "does-not-sum-to-zero", "zero-amounts", "zero-line"],
)
def test_unbalanced_postings_are_refused(amounts):
    accounts = [account_get_or_create(kind=AccountKind.STATE_BUDGET, owner_ref=str(i)) for i in range(len(amounts))]
    with pytest.raises(UnbalancedPosting):
        posting_create(
            idempotency_key="bad",
            kind="x",
            lines=[Line(a.pk, amount) for a, amount in zip(accounts, amounts, strict=True)],
        )
    assert not Posting.objects.exists()


def test_spending_more_than_the_balance_is_refused_and_changes_nothing():
    # given Rp100,000 on the card
    budget, participant = funded_participant(100_000)

    # when Rp100,001 is spent
    with pytest.raises(InsufficientBalance) as error:
        posting_create(
            idempotency_key="too-much",
            kind="purchase.confirm",
            lines=[Line(participant.pk, -100_001), Line(budget.pk, 100_001)],
        )

    # then nothing was written and the balance is intact
    assert error.value.account_ids == [participant.pk]
    assert not Posting.objects.filter(idempotency_key="too-much").exists()
    assert account_balance(account=participant) == 100_000


def test_reversal_restores_balances_and_keeps_the_original():
    _budget, participant = funded_participant(300_000)
    platform = account_get_or_create(kind=AccountKind.PLATFORM_PAYABLE, owner_ref="bukalapak")
    purchase = posting_create(
        idempotency_key="p-1",
        kind="purchase.confirm",
        lines=[Line(participant.pk, -300_000), Line(platform.pk, 300_000)],
    ).posting

    reversal = posting_reverse(posting=purchase, idempotency_key="p-1-cancel")

    assert reversal.posting.reverses_id == purchase.pk
    assert account_balance(account=participant) == 300_000
    assert account_balance(account=platform) == 0
    assert Entry.objects.filter(posting=purchase).count() == 2


def test_database_refuses_unbalanced_entries_written_around_the_service():
    budget, _participant = funded_participant(10)
    posting = Posting.objects.create(idempotency_key="raw", kind="raw")
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        Entry.objects.create(posting=posting, account=budget, amount=5)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entry SET amount = amount * 2",
        "DELETE FROM ledger_entry",
        "UPDATE ledger_posting SET memo = 'edited'",
        "DELETE FROM ledger_posting",
        "UPDATE ledger_account SET balance = 999999999",
        "DELETE FROM ledger_account",
    ],
)
def test_database_refuses_to_rewrite_history(statement):
    funded_participant(10)
    with (
        pytest.raises(DatabaseError, match=r"append-only|change only through postings"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)


def test_bulk_postings_are_written_once_even_when_replayed():
    # given a training fund and 1,000 new participants
    budget = account_get_or_create(kind=AccountKind.STATE_BUDGET)
    fund = account_get_or_create(kind=AccountKind.FUND_TRAINING)
    posting_create(idempotency_key="budget", kind="budget", lines=[Line(budget.pk, -(10**12)), Line(fund.pk, 10**12)])
    owners = [f"card-{i}" for i in range(1000)]
    ids = accounts_ensure_bulk(kind=AccountKind.PARTICIPANT_TRAINING, owner_refs=owners)
    items = [BulkPosting(f"issue-{o}", [Line(fund.pk, -3_500_000), Line(ids[o], 3_500_000)]) for o in owners]

    # when the issuance runs, then runs again after a "crash"
    first = postings_create_bulk(kind="card.issue", postings=items, chunk_size=300)
    second = postings_create_bulk(kind="card.issue", postings=items[:500], chunk_size=300)

    # then every card was funded exactly once
    assert (first.created, first.skipped) == (1000, 0)
    assert (second.created, second.skipped) == (0, 500)
    assert account_balance(account=fund) == 10**12 - 1000 * 3_500_000
    assert set(LedgerAccount.objects.filter(pk__in=ids.values()).values_list("balance", flat=True)) == {3_500_000}
    assert ledger_check().ok


def test_bulk_postings_that_would_overdraw_a_fund_write_nothing():
    budget = account_get_or_create(kind=AccountKind.STATE_BUDGET)
    fund = account_get_or_create(kind=AccountKind.FUND_TRAINING)
    posting_create(idempotency_key="budget", kind="budget", lines=[Line(budget.pk, -1000), Line(fund.pk, 1000)])
    ids = accounts_ensure_bulk(kind=AccountKind.PARTICIPANT_TRAINING, owner_refs=["a", "b"])
    items = [BulkPosting(f"issue-{o}", [Line(fund.pk, -600), Line(ids[o], 600)]) for o in ("a", "b")]

    with pytest.raises(InsufficientBalance):
        postings_create_bulk(kind="card.issue", postings=items)

    assert account_balance(account=fund) == 1000
    assert not Posting.objects.filter(kind="card.issue").exists()


def test_accounts_ensure_bulk_is_idempotent():
    first = accounts_ensure_bulk(kind=AccountKind.PARTICIPANT_TRAINING, owner_refs=["x", "y"])
    second = accounts_ensure_bulk(kind=AccountKind.PARTICIPANT_TRAINING, owner_refs=["y", "z"])
    assert first["y"] == second["y"]
    assert LedgerAccount.objects.filter(kind=AccountKind.PARTICIPANT_TRAINING).count() == 3
    assert LedgerAccount.objects.get(owner_ref="z").is_protected


class TestLedgerProperties(HypothesisTestCase):
    """Random sequences of transfers never unbalance a posting nor overdraw a protected account."""

    @settings(max_examples=40, deadline=None)
    @given(
        transfers=st.lists(
            st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(1, 2_000_000)),
            min_size=1,
            max_size=25,
        )
    )
    def test_random_transfers_keep_the_ledger_sound(self, transfers):
        budget = account_get_or_create(kind=AccountKind.STATE_BUDGET)
        accounts = [account_get_or_create(kind=AccountKind.PARTICIPANT_TRAINING, owner_ref=f"p{i}") for i in range(5)]
        expected = {a.pk: 0 for a in accounts}
        for a in accounts:
            posting_create(
                idempotency_key=f"seed-{a.pk}", kind="seed", lines=[Line(budget.pk, -1_000_000), Line(a.pk, 1_000_000)]
            )
            expected[a.pk] = 1_000_000

        for n, (source, target, amount) in enumerate(transfers):
            if source == target:
                continue
            src, dst = accounts[source], accounts[target]
            try:
                posting_create(
                    idempotency_key=f"t-{n}", kind="transfer", lines=[Line(src.pk, -amount), Line(dst.pk, amount)]
                )
            except InsufficientBalance:
                assert expected[src.pk] < amount
                continue
            expected[src.pk] -= amount
            expected[dst.pk] += amount

        for a in accounts:
            balance = account_balance(account=a)
            assert balance == expected[a.pk]
            assert balance >= 0
        assert ledger_check().ok


@pytest.mark.parametrize("target", ["account", "posting"])
def test_database_refuses_entries_pointing_nowhere(target):
    # given a posting and an account that exist
    budget = account_get_or_create(kind=AccountKind.STATE_BUDGET)
    treasury = account_get_or_create(kind=AccountKind.TREASURY)
    posting = Posting.objects.create(idempotency_key="dangling", kind="raw")
    missing = 10**12
    posting_id, account_id = (missing, treasury.pk) if target == "posting" else (posting.pk, missing)

    # when entries reference a missing posting or account, then the statement is refused
    with pytest.raises(DatabaseError, match=r"does not balance or does not exist|do not exist"), transaction.atomic():
        Entry.objects.bulk_create(
            [
                Entry(posting_id=posting_id, account_id=account_id, amount=5),
                Entry(posting_id=posting_id, account_id=budget.pk, amount=-5),
            ]
        )
