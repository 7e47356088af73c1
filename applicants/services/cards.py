"""A card's life after issue: the first purchase, revocation at the deadline, and the
year-end sweep of unspent balances to the state treasury."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.models import Card, CardStatus
from prakerja.audit.services import Actor, AuditEntry, audit_record, audit_record_bulk
from prakerja.ledger.models import AccountKind
from prakerja.ledger.services import BulkPosting, Line, account_get_or_create, postings_create_bulk
from prakerja.messaging.services import email_send_after_commit, sms_send_after_commit

REVOKE_POSTING = "card.revoke"
SWEEP_POSTING = "card.year_end_sweep"


def card_first_purchase_record(*, card: Card, at: dt.datetime) -> None:
    """Called by the purchase flow when a purchase is confirmed: the card is safe from revocation."""
    Card.objects.filter(pk=card.pk, first_purchase_at__isnull=True).update(first_purchase_at=at)


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
        reason = "Kartu dicabut: tidak membeli pelatihan pertama sebelum batas waktu"
        cursor.execute(
            """
            INSERT INTO applicants_blacklisting (nik_index, applicant_id, reason, created_at)
            SELECT a.nik_index, a.id, %s, %s FROM applicants_applicant AS a
            WHERE a.id = ANY(%s) AND a.nik_index IS NOT NULL
            ON CONFLICT (nik_index) DO NOTHING
            """,
            [reason, now, [d.applicant_id for d in due]],
        )
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


def balances_sweep_year_end(*, year: int, actor: Actor | None = None) -> int:
    """Return every card's unspent balance to the treasury at the end of a programme year and
    close the active cards. Keyed by (year, card): running it twice moves nothing twice."""
    actor = actor or Actor.system("year-end-sweep")
    treasury = account_get_or_create(kind=AccountKind.TREASURY, name="Kas Negara")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.id, c.account_id, acc.balance FROM applicants_card AS c
            JOIN ledger_account AS acc ON acc.id = c.account_id
            WHERE acc.balance > 0 AND c.issued_at < %s
            ORDER BY c.id FOR UPDATE OF c
            """,
            [dt.datetime(year + 1, 1, 1, tzinfo=timezone.get_default_timezone())],
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
                "cards": len(rows),
                "postings": result.created,
                "closed": closed,
                "amount": sum(r[2] for r in rows),
            },
        )
        return result.created
