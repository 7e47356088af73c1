"""Applying the provider's answers (transfer results, status inquiries, callbacks) to payouts, each a
conditional UPDATE with its posting."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from applicants.disbursement.lifecycle import IN_FLIGHT, payout_sources
from applicants.disbursement.models import PayoutStatus
from applicants.disbursement.notices import payouts_notify
from prakerja.ledger.models import AccountKind
from prakerja.ledger.services import BulkPosting, Line, account_get_or_create, postings_create_bulk
from prakerja.payments.providers import (
    Outcome,
    TransferResult,
    failure_reason,
)


def payout_system_accounts() -> tuple[int, int]:
    in_flight = account_get_or_create(kind=AccountKind.PAYOUTS_IN_FLIGHT).pk
    settled = account_get_or_create(kind=AccountKind.PAYOUTS_SETTLED).pk
    return in_flight, settled


def payout_id_of(reference: str) -> int | None:
    if reference.startswith("PKJ") and reference[3:].isascii() and reference[3:].isdigit():
        return int(reference[3:])
    return None


@dataclass(frozen=True)
class _Rows:
    ids: list[int]
    codes: list[str]


def _group(results: Iterable[TransferResult]) -> dict[Outcome, _Rows]:
    grouped: dict[Outcome, _Rows] = {}
    for result in results:
        pk = payout_id_of(result.reference)
        if pk is None:
            continue
        rows = grouped.setdefault(result.outcome, _Rows([], []))
        rows.ids.append(pk)
        rows.codes.append(result.code[:7])
    return grouped


_MOVE = """
    UPDATE applicants_payout AS p SET status = %s{also}, response_code = r.code, updated_at = now()
    FROM unnest(%s::bigint[], %s::text[]) AS r(id, code)
    WHERE p.id = r.id AND p.status = ANY(%s)
    RETURNING p.id, p.amount, p.account_id, p.instalment_id, r.code
"""


def _move(to: str, rows: _Rows, *, among: tuple[str, ...] | None = None, also: str = "") -> list[tuple[Any, ...]]:
    """Move these payouts to `to` from whichever state PAYOUT_TRANSITIONS allows (and `among`)."""
    with connection.cursor() as cursor:
        cursor.execute(_MOVE.format(also=also), [str(to), rows.ids, rows.codes, payout_sources(to, among=among)])
        return cursor.fetchall()


def payouts_apply(results: Iterable[TransferResult]) -> Counter[str]:
    """Apply provider answers (responses, status inquiries, callbacks) in one transaction.
    Each change is conditional on the payout's state, so duplicates, late and out-of-order
    answers change nothing they should not."""
    grouped = _group(results)
    counts: Counter[str] = Counter()
    if not grouped:
        return counts
    in_flight, settled = payout_system_accounts()
    notify_failed: list[int] = []
    notify_reversed: list[int] = []
    with transaction.atomic():
        if rows := grouped.get(Outcome.SUCCESS):
            done = _move(PayoutStatus.SUCCEEDED, rows, also=", settled_at = now()")
            postings_create_bulk(
                kind="payout.settle",
                postings=(
                    BulkPosting(f"payout-settled:{pk}", (Line(in_flight, -amount), Line(settled, amount)))
                    for pk, amount, _a, _i, _c in done
                ),
            )
            _instalments("status = 'paid', paid_at = now()", [row[3] for row in done])
            counts["succeeded"] = len(done)
        if rows := grouped.get(Outcome.FAILED):
            reasons = [failure_reason(code) for code in rows.codes]
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    UPDATE applicants_payout AS p
                    SET status = %s, response_code = r.code, failure_reason = r.reason, updated_at = now()
                    FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS r(id, code, reason)
                    WHERE p.id = r.id AND p.status = ANY(%s)
                    RETURNING p.id, p.amount, p.account_id, p.instalment_id, r.reason
                    """,
                    [str(PayoutStatus.FAILED), rows.ids, rows.codes, reasons, payout_sources(PayoutStatus.FAILED)],
                )
                failed = cursor.fetchall()
                cursor.execute(
                    "UPDATE applicants_instalment AS i SET held_reason = r.reason "
                    "FROM unnest(%s::bigint[], %s::text[]) AS r(id, reason) WHERE i.id = r.id",
                    [[row[3] for row in failed], [row[4] for row in failed]],
                )
            postings_create_bulk(
                kind="payout.fail",
                postings=(
                    BulkPosting(f"payout-failed:{pk}", (Line(in_flight, -amount), Line(account, amount)))
                    for pk, amount, account, _i, _r in failed
                ),
            )
            notify_failed = [row[0] for row in failed]
            counts["failed"] = len(failed)
        if rows := grouped.get(Outcome.REVERSED):
            after_success = _move(PayoutStatus.REVERSED, rows, among=(PayoutStatus.SUCCEEDED,))
            before_success = _move(PayoutStatus.REVERSED, rows, among=IN_FLIGHT)
            postings_create_bulk(
                kind="payout.reverse",
                postings=[
                    *(
                        BulkPosting(f"payout-reversed:{pk}", (Line(settled, -amount), Line(account, amount)))
                        for pk, amount, account, _i, _c in after_success
                    ),
                    *(
                        BulkPosting(f"payout-reversed:{pk}", (Line(in_flight, -amount), Line(account, amount)))
                        for pk, amount, account, _i, _c in before_success
                    ),
                ],
            )
            _instalments("status = 'payable', paid_at = NULL", [row[3] for row in after_success])
            notify_reversed = [row[0] for row in after_success + before_success]
            counts["reversed"] = len(notify_reversed)
        if rows := grouped.get(Outcome.PENDING):
            counts["pending"] = len(_move(PayoutStatus.PENDING, rows))
        if rows := grouped.get(Outcome.UNKNOWN):
            counts["unknown"] = len(_move(PayoutStatus.UNKNOWN, rows))
        if notify_failed or notify_reversed:
            # In this transaction: the messages are outbox rows, committed with the results.
            payouts_notify(failed=notify_failed, reversed=notify_reversed)
    return counts


def _instalments(assign: str, ids: list[int]) -> None:
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE applicants_instalment AS i SET {assign} FROM unnest(%s::bigint[]) AS u(id) WHERE i.id = u.id",  # noqa: S608
                [ids],
            )
