"""Purchase codes guessed through many purchases (issue 18, item 7).

A purchase allows three wrong codes, but a dishonest or compromised platform could create
purchase after purchase for the same card and keep guessing, and every try sends the
participant an SMS. The card is therefore the unit: at most PURCHASE_OPEN_PER_CARD purchases
awaiting confirmation and PURCHASES_PER_CARD_PER_DAY purchases a day, whatever the platform;
wrong codes are counted per card across purchases, and PURCHASE_CODE_FAILURES_BEFORE_LOCK of
them (within FAILURE_WINDOW) lock the card's confirmations for LOCK_DURATION (the right code
included). The PMO sees every card's count
and locks (admin, read-only) and may lift a lock early, audited.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.models import Card
from partners.models import CardCodeGuard, Partner, Purchase, PurchaseStatus
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor

# Wrong codes older than this (without a lock) are forgotten.
FAILURE_WINDOW = dt.timedelta(hours=24)
LOCK_DURATION = dt.timedelta(hours=24)


class CardGuardRefusal(Exception):
    """The card may not take a new purchase or confirmation now; `code` as in the API's table."""

    def __init__(self, code: str, message: str, *, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _locked(guard: CardCodeGuard | None, now: dt.datetime) -> CardGuardRefusal | None:
    if guard is None or guard.locked_until is None or guard.locked_until <= now:
        return None
    return CardGuardRefusal(
        "card_confirmation_locked",
        _(
            "Too many wrong codes were typed for this card's purchases. Its purchases cannot be confirmed "
            "until %(time)s; the participant may contact the Prakerja complaint desk."
        )
        % {"time": timezone.localtime(guard.locked_until).strftime("%d-%m-%Y %H:%M WIB")},
        status=423,
    )


def card_guard_for_update(*, card_id: int) -> CardCodeGuard:
    """The card's guard row, locked, created on first use: one statement either way (an
    upsert whose no-op update takes the row lock as SELECT ... FOR UPDATE would, and waits
    for a concurrent first use to commit)."""
    table = CardCodeGuard._meta.db_table
    upsert = (
        f'INSERT INTO "{table}" (card_id, failures, failures_total, lock_count) VALUES (%s, 0, 0, 0) '  # noqa: S608
        "ON CONFLICT (card_id) DO UPDATE SET card_id = EXCLUDED.card_id RETURNING *"
    )
    return next(iter(CardCodeGuard.objects.raw(upsert, [card_id])))


def card_purchase_allowed(*, card: Card, now: dt.datetime) -> None:
    """Before a new purchase (inside purchase_create's transaction): refuse when the card's
    confirmations are locked or it has too many purchases open or started today. Holds the
    guard's row lock so that parallel requests count each other."""
    guard = card_guard_for_update(card_id=card.pk)
    if refusal := _locked(guard, now):
        raise refusal
    counts = Purchase.objects.filter(card=card, created_at__gte=now - dt.timedelta(days=1)).aggregate(
        open=Count("pk", filter=Q(status=PurchaseStatus.AWAITING_CONFIRMATION, otp_expires_at__gt=now)),
        today=Count("pk"),
    )
    if counts["open"] >= settings.PURCHASE_OPEN_PER_CARD or counts["today"] >= settings.PURCHASES_PER_CARD_PER_DAY:
        raise CardGuardRefusal(
            "card_purchase_limit",
            _(
                "This card has too many purchases waiting for confirmation or started today. Let the "
                "participant confirm or let them expire, then try again later."
            ),
            status=429,
        )


def card_confirmation_allowed(*, card_id: int, now: dt.datetime) -> CardCodeGuard | None:
    """Before a code is checked: a locked card's purchases are not confirmed, right code or not.
    Returns the guard as read (None before the card's first purchase)."""
    guard = CardCodeGuard.objects.filter(card_id=card_id).first()
    if refusal := _locked(guard, now):
        raise refusal
    return guard


def card_code_failure_record(*, card_id: int, partner: Partner | None, now: dt.datetime) -> bool:
    """Count one wrong code on the card (in the caller's transaction); True when this one
    locked the card's confirmations."""
    guard = card_guard_for_update(card_id=card_id)
    if guard.last_failure_at is not None and now - guard.last_failure_at > FAILURE_WINDOW:
        guard.failures = 0
    guard.failures += 1
    guard.failures_total += 1
    guard.last_failure_at = now
    guard.last_failure_partner = partner
    locked = guard.failures >= settings.PURCHASE_CODE_FAILURES_BEFORE_LOCK
    if locked:
        guard.locked_until = now + LOCK_DURATION
        guard.lock_count += 1
        guard.failures = 0
        audit_record(
            actor=Actor.system("purchase_guard"),
            action="card.confirmations_locked",
            target=guard,
            payload={"until": guard.locked_until.isoformat(), "platform": partner.slug if partner else ""},
        )
    guard.save()
    return locked


def card_code_success_record(*, card_id: int) -> None:
    """The right code: earlier wrong ones on this card no longer count. (The caller may skip
    this when the guard it read had none: a wrong code typed meanwhile then still counts.)"""
    CardCodeGuard.objects.filter(card_id=card_id, failures__gt=0).update(failures=0)


def card_confirmations_unlock(*, guard_id: int, actor: Actor, reason: str) -> CardCodeGuard:
    """A PMO officer lifts a lock early (after speaking to the participant), audited."""
    if not reason.strip():
        raise ValueError(_("Write the reason for lifting the lock."))
    with transaction.atomic():
        guard = CardCodeGuard.objects.select_for_update().get(pk=guard_id)
        was = guard.locked_until
        guard.locked_until = None
        guard.failures = 0
        guard.save(update_fields=["locked_until", "failures"])
        audit_record(
            actor=actor,
            action="card.confirmations_unlocked",
            target=guard,
            payload={"was_locked_until": was.isoformat() if was else None, "reason": reason.strip()[:500]},
        )
    return guard
