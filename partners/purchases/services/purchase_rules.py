"""The programme's rules since 2021 for buying (issue 20): one course at a time, and one
platform account uses one card.

- A card holds at most one paid purchase that is not completed: a second purchase is refused
  (`course_in_progress`) until the first is completed, or cancelled before its training
  started. Checked when a purchase is created (the early answer, before an SMS is sent) and
  again when it is paid, under the card's row lock; a partial unique index on the purchases
  (`purchase_one_unfinished_per_card`) holds it for any path around this module.
- A platform sends its own id of the buyer's account with every purchase. It is kept only as
  a keyed hash (HMAC under BLIND_INDEX_KEY, scoped by platform), never logged or audited. The
  card's first paid purchase on a platform binds the card to that account
  (`PlatformAccountBinding`, unique per card and platform, and per platform and account);
  another account on that platform is refused (`platform_account_mismatch`), and so is that
  account with another card (`platform_account_in_use`).
"""

import datetime as dt
from typing import Any

from django.db import IntegrityError, connection
from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from applicants.models import Card
from partners.models import Partner, PlatformAccountBinding, Purchase, PurchaseStatus
from partners.purchases.errors import PurchaseError
from prakerja.core.crypto import blind_index

ONE_UNFINISHED_CONSTRAINT = "purchase_one_unfinished_per_card"
PLATFORM_ACCOUNT_MAX_LENGTH = 128


@sensitive_variables("account_id")
def platform_account_hash(*, partner: Partner, account_id: str) -> str:
    """The keyed hash stored for a platform's account id: equal ids on one platform hash alike,
    the same id on two platforms does not."""
    return blind_index(f"{partner.pk}:{account_id.strip()}", purpose="platform-account")


def course_in_progress() -> PurchaseError:
    return PurchaseError(
        "course_in_progress",
        _(
            "The participant has a course that is not finished yet: another course can be bought only "
            "after it is completed (or cancelled before its training starts)."
        ),
        status=409,
    )


def training_started() -> PurchaseError:
    return PurchaseError(
        "training_started",
        _("The training has started: this purchase can no longer be cancelled or swapped for another course."),
    )


def _account_mismatch() -> PurchaseError:
    return PurchaseError(
        "platform_account_mismatch",
        _("This card is already used by another account on this platform: one platform account uses one card."),
        status=409,
    )


def _account_in_use() -> PurchaseError:
    return PurchaseError(
        "platform_account_in_use",
        _("This platform account already uses another card: one platform account uses one card."),
        status=409,
    )


def card_rules_annotations(*, partner_id: int, account_hash: str) -> dict[str, Any]:
    """What the rules read about a card, as annotations of a card query (so purchase_create
    adds them to the query it makes anyway, and purchase_confirm reads them in one query)."""
    bindings = PlatformAccountBinding.objects.filter(partner_id=partner_id)
    return {
        "rule_unfinished": Exists(Purchase.objects.filter(card=OuterRef("pk"), status=PurchaseStatus.PAID)),
        "rule_bound_hash": Subquery(bindings.filter(card=OuterRef("pk")).values("account_hash")[:1]),
        "rule_account_taken": Exists(bindings.filter(account_hash=account_hash).exclude(card=OuterRef("pk"))),
    }


def _refuse(*, unfinished: bool, bound_hash: str | None, account_taken: bool, account_hash: str) -> None:
    if unfinished:
        raise course_in_progress()
    if not account_hash:  # a purchase created before the rule
        return
    if bound_hash is not None and bound_hash != account_hash:
        raise _account_mismatch()
    if account_taken:
        raise _account_in_use()


def purchase_rules_check_new(*, card: Card, account_hash: str) -> None:
    """Before a purchase is created (the card read with card_rules_annotations): the card has
    no unfinished course, and the platform account matches the card's binding on this platform."""
    _refuse(
        unfinished=card.rule_unfinished,  # type: ignore[attr-defined]
        bound_hash=card.rule_bound_hash,  # type: ignore[attr-defined]
        account_taken=card.rule_account_taken,  # type: ignore[attr-defined]
        account_hash=account_hash,
    )


def purchase_rules_check_pay(*, purchase: Purchase, now: dt.datetime) -> None:
    """Before a purchase is paid, with its card locked (purchase_confirm): still no unfinished
    course (the purchase itself is not paid yet), the account still the card's on this
    platform; the card's first paid purchase there binds it to the account."""
    account_hash = purchase.platform_account_hash
    card = (
        Card.objects.filter(pk=purchase.card_id)
        .annotate(**card_rules_annotations(partner_id=purchase.partner_id, account_hash=account_hash))
        .only("pk")
        .get()
    )
    purchase_rules_check_new(card=card, account_hash=account_hash)
    if not account_hash or card.rule_bound_hash is not None:  # type: ignore[attr-defined]
        return
    # The card is locked, so its own binding cannot appear meanwhile; a conflict is this account
    # bound to another card by a concurrent confirmation (no savepoint needed to find out).
    table = PlatformAccountBinding._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" (card_id, partner_id, account_hash, purchase_id, bound_at) '  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
            [purchase.card_id, purchase.partner_id, account_hash, purchase.pk, now],
        )
        if cursor.fetchone() is None:
            raise _account_in_use()


def purchase_paid_save(purchase: Purchase, *, update_fields: list[str]) -> None:
    """Save a purchase turning paid; the database's one-unfinished index answered in words (a
    path that paid without the card's lock)."""
    try:
        purchase.save(update_fields=update_fields)
    except IntegrityError as exc:
        if ONE_UNFINISHED_CONSTRAINT in str(exc):
            raise course_in_progress() from exc
        raise
