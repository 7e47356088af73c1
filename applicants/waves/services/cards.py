"""Cards: their numbers (Luhn-checked), their issue in chunks with their training balances
(selection calls it), the first purchase, revocation at the deadline, and the year-end sweep
of unspent balances to the state treasury."""

import datetime as dt
import io
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.errors import ApplicantError
from applicants.models import (
    Blacklisting,
    Card,
    CardStatus,
    Scheme,
    Wave,
)
from applicants.waves.services.blacklisting import blacklist_add_bulk
from applicants.waves.services.deadlines import card_deadlines, deadlines_balance_passed
from prakerja.audit.services import AuditEntry, audit_record, audit_record_bulk
from prakerja.core.actor import Actor
from prakerja.ledger.models import AccountKind, Entry, Posting
from prakerja.ledger.services import (
    BulkPosting,
    Line,
    account_get_or_create,
    accounts_ensure_bulk,
    posting_create,
    postings_create_bulk,
)
from prakerja.messaging.services import email_send_after_commit, sms_send_after_commit

_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # a digit doubled, its two digits added

logger = logging.getLogger(__name__)
CARD_ISSUE_POSTING = "card.issue"


def luhn_check_digit(digits: str) -> str:
    # The check digit will sit to the right: the last digit here is doubled, then every other.
    total = sum(_DOUBLED[int(c)] for c in digits[::-1][::2]) + sum(int(c) for c in digits[::-1][1::2])
    return str(-total % 10)


def luhn_valid(number: str) -> bool:
    return len(number) == 16 and number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def card_number_generate() -> str:
    """16 digits: 15 drawn from the operating system's random source (the first never 0) and a
    Luhn check digit that catches a mistyped digit or two swapped neighbours."""
    body = str(10**14 + secrets.randbelow(9 * 10**14))
    return body + luhn_check_digit(body)


def cards_issue_chunk_retrying(wave: Wave, *, chunk_size: int, fund_id: int, issued_at: dt.datetime) -> int:
    for attempt in range(3):
        try:
            return _issue_chunk(wave, chunk_size=chunk_size, fund_id=fund_id, issued_at=issued_at)
        except IntegrityError as exc:
            if "card_number_unique" not in str(exc) or attempt == 2:
                raise
            logger.warning("card number clash in wave %s, drawing the chunk again", wave.number)
    raise AssertionError("unreachable")


def _issue_chunk(wave: Wave, *, chunk_size: int, fund_id: int, issued_at: dt.datetime) -> int:
    """Issue cards to the next chunk of selected members without one; 0 when none are left."""
    scheme = wave.scheme
    deadline = purchase_deadline(announced=issued_at, days=scheme.first_purchase_days)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT d.member_id, m.applicant_id
            FROM applicants_decision AS d JOIN applicants_wavemember AS m ON m.id = d.member_id
            WHERE d.wave_id = %s AND d.outcome = 'selected'
              AND NOT EXISTS (SELECT 1 FROM applicants_card AS c WHERE c.decision_id = d.member_id)
            ORDER BY d.member_id
            LIMIT %s
            """,
            [wave.pk, chunk_size],
        )
        rows = cursor.fetchall()
        if not rows:
            return 0
        numbers = _new_numbers(len(rows))
        accounts = accounts_ensure_bulk(kind=AccountKind.PARTICIPANT_TRAINING, owner_refs=numbers)
        buffer = io.StringIO()
        for (decision_id, applicant_id), number in zip(rows, numbers, strict=True):
            buffer.write(f"{decision_id}\t{applicant_id}\t{number}\t{accounts[number]}\n")
        buffer.seek(0)
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS card_stage (decision_id bigint, applicant_id bigint, number text, "
            "account_id bigint) ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE card_stage")
        cursor.cursor.copy_expert("COPY card_stage FROM STDIN", buffer)
        cursor.execute(
            """
            INSERT INTO applicants_card (
                number, applicant_id, decision_id, wave_id, scheme_id, account_id, status,
                issued_at, purchase_deadline
            )
            SELECT s.number, s.applicant_id, s.decision_id, %s, %s, s.account_id, 'active', %s, %s
            FROM card_stage AS s ORDER BY s.decision_id
            """,
            [wave.pk, scheme.pk, issued_at, deadline],
        )
        amount = scheme.training_balance
        postings_create_bulk(
            kind=CARD_ISSUE_POSTING,
            memo=f"Gelombang {wave.number}",
            postings=(
                BulkPosting(
                    idempotency_key=f"card-issue:{number}",
                    lines=(Line(account_id=fund_id, amount=-amount), Line(account_id=accounts[number], amount=amount)),
                )
                for number in numbers
            ),
        )
        return len(rows)


def _new_numbers(count: int) -> list[str]:
    """`count` distinct new card numbers, sorted. A clash with an issued card (about one chance
    in a thousand per chunk with 17 million cards out) fails the chunk on the unique index;
    the chunk is then drawn again."""
    numbers: set[str] = set()
    while len(numbers) < count:
        numbers.update(card_number_generate() for _ in range(count - len(numbers)))
    return sorted(numbers)


def purchase_deadline(*, announced: dt.datetime, days: int) -> dt.datetime:
    """The end of the `days`-th day after the announcement, Jakarta time: the card is revoked
    from this instant on if no course was bought."""
    local = timezone.localtime(announced)
    last_day = local.date() + dt.timedelta(days=days)
    midnight = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0, 0))
    return timezone.make_aware(midnight, timezone.get_default_timezone())


REVOKE_POSTING = "card.revoke"
REINSTATE_POSTING = "card.reinstate"
REVOKE_BLACKLIST_REASON = "Kartu dicabut"


class CardError(ApplicantError):
    pass


SWEEP_POSTING = "card.year_end_sweep"


def card_first_purchase_record(*, card: Card, at: dt.datetime) -> None:
    """Called by the purchase flow when a purchase is confirmed: the card is safe from revocation."""
    Card.objects.filter(pk=card.pk, first_purchase_at__isnull=True).update(first_purchase_at=at)


def card_first_purchase_reset(*, card: Card, first_purchase_at: dt.datetime | None, reason: str, actor: Actor) -> None:
    """Called by the purchase flow, with the card locked, when a paid purchase is cancelled: the
    card's first purchase is now the earliest that still stands (`first_purchase_at`), or none.
    With none, the card is again awaiting its first purchase: the revocation sweep revokes it at
    its deadline (at once, on the next run, if that has passed), so buying and cancelling does
    not keep a card out of revocation. Audited."""
    was = card.first_purchase_at
    Card.objects.filter(pk=card.pk).update(first_purchase_at=first_purchase_at)
    card.first_purchase_at = first_purchase_at
    audit_record(
        actor=actor,
        action="card.first_purchase_reset",
        target=None,  # the card's number is its text: never in the audit trail
        payload={
            "card": card.pk,
            "reason": reason,
            "was": was.isoformat() if was else None,
            "now": first_purchase_at.isoformat() if first_purchase_at else None,
        },
    )


@dataclass(frozen=True)
class _Due:
    card_id: int
    number: str
    account_id: int
    applicant_id: int
    nik_index: str
    balance: int
    email: str
    phone: str


def _revoke_chunk(*, now: dt.datetime, limit: int, treasury_id: int) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        # Locks the cards; a purchase being confirmed holds its card's lock, so it is skipped
        # now and, having set first_purchase_at, never revoked.
        cursor.execute(
            """
            SELECT c.id, c.number, c.account_id, c.applicant_id, a.nik_index, acc.balance, u.email, a.phone
            FROM applicants_card AS c
            JOIN applicants_applicant AS a ON a.id = c.applicant_id
            JOIN accounts_user AS u ON u.id = a.user_id
            JOIN ledger_account AS acc ON acc.id = c.account_id
            WHERE c.status = 'active' AND c.first_purchase_at IS NULL AND c.purchase_deadline <= %s
            ORDER BY c.id
            LIMIT %s
            FOR UPDATE OF c SKIP LOCKED
            """,
            [now, limit],
        )
        due = [_Due(*row) for row in cursor.fetchall()]
        if not due:
            return 0
        ids = [d.card_id for d in due]
        cursor.execute("UPDATE applicants_card SET status = 'revoked', revoked_at = %s WHERE id = ANY(%s)", [now, ids])
        reason = f"{REVOKE_BLACKLIST_REASON}: tidak membeli pelatihan pertama sebelum batas waktu"
        blacklist_add_bulk(applicant_ids=[d.applicant_id for d in due], reason=reason, at=now)
        postings_create_bulk(
            kind=REVOKE_POSTING,
            memo="Pengembalian saldo kartu yang dicabut ke Kas Negara",
            postings=[
                BulkPosting(
                    idempotency_key=f"card-revoke:{d.card_id}",
                    lines=(Line(d.account_id, -d.balance), Line(treasury_id, d.balance)),
                )
                for d in due
                if d.balance > 0
            ],
        )
        actor = Actor.system("card-revocation")
        audit_record_bulk(
            entries=(
                AuditEntry(
                    actor=actor,
                    action="card.revoked",
                    target=None,
                    payload={"card": d.card_id, "applicant": d.applicant_id, "returned": d.balance},
                )
                for d in due
            )
        )
        for d in due:
            text = _(
                "Kartu Prakerja %(number)s has been revoked: no course was bought before the deadline. "
                "The balance has returned to the state treasury."
            ) % {"number": d.number}
            if d.phone:
                sms_send_after_commit(to=d.phone, text=text, reference=f"card-revoked-{d.card_id}-sms")
            email_send_after_commit(
                to=d.email,
                subject=_("Your Kartu Prakerja has been revoked"),
                body=text,
                reference=f"card-revoked-{d.card_id}-email",
            )
        return len(due)


def cards_revoke_due(*, now: dt.datetime | None = None, chunk: int | None = None) -> int:
    """Revoke every active card whose first-purchase deadline has passed without a confirmed
    purchase: card revoked, person blacklisted, balance back to the treasury, person told.
    Idempotent: a revoked card is not looked at again, each return posting has its key."""
    now = now or timezone.now()
    chunk = chunk or settings.REVOCATION_CHUNK
    treasury = account_get_or_create(kind=AccountKind.TREASURY, name="Kas Negara")
    total = 0
    while count := _revoke_chunk(now=now, limit=chunk, treasury_id=treasury.pk):
        total += count
    return total


def balances_sweep_year_end(
    *, year: int, actor: Actor | None = None, scheme_id: int | None = None, today: dt.date | None = None
) -> int:
    """Return every card's unspent balance to the treasury at the end of a programme year and
    close the active cards. Keyed by (year, card): running it twice moves nothing twice.

    A card whose scheme has deadlines for its year (`SchemeDeadline`) keeps its balance until
    the last day of use has passed; with `scheme_id`, only that scheme's cards issued in `year`
    are swept (what `balances_sweep_due` does for each year whose last day is over)."""
    actor = actor or Actor.system("year-end-sweep")
    today = today or timezone.localdate()
    treasury = account_get_or_create(kind=AccountKind.TREASURY, name="Kas Negara")
    zone = timezone.get_default_timezone()
    year_start, next_year = dt.datetime(year, 1, 1, tzinfo=zone), dt.datetime(year + 1, 1, 1, tzinfo=zone)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.id, c.account_id, acc.balance FROM applicants_card AS c
            JOIN ledger_account AS acc ON acc.id = c.account_id
            WHERE acc.balance > 0 AND c.issued_at < %(next_year)s
              AND (%(scheme)s::bigint IS NULL OR (c.scheme_id = %(scheme)s AND c.issued_at >= %(year_start)s))
              AND NOT EXISTS (
                SELECT 1 FROM applicants_schemedeadline AS d
                WHERE d.scheme_id = c.scheme_id
                  AND d.year = EXTRACT(YEAR FROM c.issued_at AT TIME ZONE %(zone)s)
                  AND d.balance_until >= %(today)s
              )
            ORDER BY c.id FOR UPDATE OF c
            """,
            {"next_year": next_year, "year_start": year_start, "scheme": scheme_id, "zone": str(zone), "today": today},
        )
        rows = cursor.fetchall()
        result = postings_create_bulk(
            kind=SWEEP_POSTING,
            memo=f"Sisa saldo pelatihan tahun {year} ke Kas Negara",
            postings=[
                BulkPosting(
                    idempotency_key=f"year-end:{year}:{card_id}",
                    lines=(Line(account_id, -balance), Line(treasury.pk, balance)),
                )
                for card_id, account_id, balance in rows
            ],
        )
        closed = Card.objects.filter(pk__in=[r[0] for r in rows], status=CardStatus.ACTIVE).update(
            status=CardStatus.CLOSED, closed_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="cards.year_end_sweep",
            payload={
                "year": year,
                "scheme": scheme_id,
                "cards": len(rows),
                "postings": result.created,
                "closed": closed,
                "amount": sum(r[2] for r in rows),
            },
        )
        return result.created


# -- suspension (clawback cases, blocks) and reinstatement ------------------------------


def card_suspend(*, card: Card, actor: Actor, why: str) -> bool:
    """An active card can no longer be spent (a clawback case or a block was opened). Purchases
    awaiting confirmation are refused at confirmation (`card_not_usable`, as for a revoked card);
    paid purchases go on to completion or cancellation as before. Returns whether it changed."""
    changed = Card.objects.filter(pk=card.pk, status=CardStatus.ACTIVE).update(status=CardStatus.SUSPENDED)
    if changed:
        audit_record(actor=actor, action="card.suspended", target=card, payload={"why": why})
    return bool(changed)


def _fresh_deadline(card: Card, now: dt.datetime) -> list[str]:
    """A card suspended before its first purchase gets the scheme's full time again, from now:
    otherwise the deadline may have run out while it could not be used."""
    if card.first_purchase_at is not None or card.purchase_deadline > now:
        return []
    days = Scheme.objects.filter(pk=card.scheme_id).values_list("first_purchase_days", flat=True).get()
    card.purchase_deadline = purchase_deadline(announced=now, days=days)
    return ["purchase_deadline"]


def card_unsuspend_if_free(*, card_id: int, actor: Actor, why: str) -> bool:
    """A suspended card is usable again once no clawback case or block holds its participant
    (the caller has just lifted its own hold). Returns whether it changed."""
    from applicants.holds.selectors import applicant_held_by_case

    with transaction.atomic():
        card = Card.objects.select_for_update().get(pk=card_id)
        if card.status != CardStatus.SUSPENDED or applicant_held_by_case(card.applicant_id):
            return False
        card.status = CardStatus.ACTIVE
        card.save(update_fields=["status", *_fresh_deadline(card, timezone.now())])
        audit_record(actor=actor, action="card.unsuspended", target=card, payload={"why": why})
    return True


def programme_year_open(card: Card, *, today: dt.date | None = None) -> bool:
    """The card's programme year still runs and its balance was not swept at year end: only
    then can a reinstated card get its balance back. The year runs until its scheme deadline's
    last day to use the balance (`SchemeDeadline.balance_until`, which may fall in the next
    calendar year); without deadlines for its year, until the end of the year it was issued
    (Jakarta time)."""
    today = today or timezone.localdate()
    year = timezone.localtime(card.issued_at).year
    swept = Posting.objects.filter(idempotency_key=f"year-end:{year}:{card.pk}").exists()
    if swept:
        return False
    deadlines = card_deadlines(card)
    if deadlines is not None:
        return today <= deadlines.balance_until
    return today.year == year


def card_reinstate_revoked(*, card: Card, key: str, actor: Actor) -> int:
    """A revoked card made usable again after an appeal: the balance its revocation returned to
    the treasury comes back (a new posting under `key`, the revocation's own posting stays as it
    was), the blacklisting the revocation added is removed, and the first-purchase time starts
    again. Refused once the programme year is over. Returns the amount returned to the card."""
    with transaction.atomic():
        locked = Card.objects.select_for_update().get(pk=card.pk)
        if locked.status != CardStatus.REVOKED:
            raise CardError(_("Only a revoked card can be reinstated this way."))
        if not programme_year_open(locked):
            raise CardError(_("The card's programme year is over: its balance stays in the state treasury."))
        returned = -sum(
            Entry.objects.filter(
                posting__idempotency_key=f"card-revoke:{locked.pk}", account_id=locked.account_id
            ).values_list("amount", flat=True)
        )
        if returned > 0:
            treasury = account_get_or_create(kind=AccountKind.TREASURY, name="Kas Negara")
            posting_create(
                idempotency_key=key,
                kind=REINSTATE_POSTING,
                lines=[Line(treasury.pk, -returned), Line(locked.account_id, returned)],
                memo="Saldo kartu dipulihkan setelah banding",
            )
        now = timezone.now()
        locked.status = CardStatus.ACTIVE
        locked.revoked_at = None
        fields = ["status", "revoked_at", *_fresh_deadline(locked, now)]
        locked.save(update_fields=fields)
        removed, _rows = Blacklisting.objects.filter(
            applicant_id=locked.applicant_id, reason__startswith=REVOKE_BLACKLIST_REASON
        ).delete()
        audit_record(
            actor=actor,
            action="card.reinstated",
            target=locked,
            payload={"returned": returned, "blacklisting_removed": removed, "posting": key},
        )
    return returned


def balances_sweep_due(*, today: dt.date | None = None, actor: Actor | None = None) -> int:
    """The sweep of every scheme and year whose last day to use the balance is over (daily
    task `batch.balances_sweep_due`). A year already swept moves nothing again (same keys)."""
    today = today or timezone.localdate()
    return sum(
        balances_sweep_year_end(year=d.year, scheme_id=d.scheme_id, today=today, actor=actor)
        for d in deadlines_balance_passed(today=today)
    )
