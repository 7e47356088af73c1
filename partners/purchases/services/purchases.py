"""The purchase flow: a platform proposes, the participant confirms with an SMS code, the
training balance pays; cancellation refunds; completion records the certificate.

Money moves only in `purchase_confirm` (participant balance -> platform payable, one posting
keyed by the purchase) and `purchase_cancel` (its reversal). The participant's balance is a
protected ledger account, so concurrent confirmations can never spend the same rupiah twice.
"""

import datetime as dt
import secrets
import uuid

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from applicants.incentives.services.entitlements import entitlement_course_completed
from applicants.models import Card, CardStatus, OtpPurpose
from applicants.registration.services.otp import detached_code, detached_code_matches
from applicants.waves.services.cards import card_first_purchase_record, card_first_purchase_reset
from applicants.waves.services.deadlines import DeadlineStep, deadline_check
from courses.models import CourseStatus, InstitutionStatus, RedeemCode, RedeemCodeStatus, Schedule
from courses.models.catalogue import SCHEDULED_METHODS
from courses.services.redemption import RedeemCodeUsed, redeem_code_cancel, redeem_code_issue
from courses.training import TrainingProblem, training_problems, training_progress
from partners.models import Listing, Partner, Purchase, PurchaseStatus
from partners.purchases.errors import PurchaseError
from partners.purchases.services.purchase_guard import (
    CardGuardRefusal,
    card_code_failure_record,
    card_code_success_record,
    card_confirmation_allowed,
    card_purchase_allowed,
)
from partners.purchases.services.purchase_rules import (
    card_rules_annotations,
    platform_account_hash,
    purchase_paid_save,
    purchase_rules_check_new,
    purchase_rules_check_pay,
    training_started,
)
from partners.purchases.services.purchase_sql import purchase_training_started_mark
from partners.webhooks.services.webhooks import webhook_event_record
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.formatting import rupiah
from prakerja.ledger.errors import InsufficientBalance
from prakerja.ledger.models import AccountKind, LedgerAccount, Posting
from prakerja.ledger.services import Line, account_get_or_create, posting_create, posting_reverse
from prakerja.messaging.services import sms_send_after_commit

OTP_TTL = dt.timedelta(minutes=15)
OTP_ATTEMPTS = 3
VOUCHER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _refused(refusal: CardGuardRefusal) -> PurchaseError:
    error = PurchaseError(refusal.code, refusal.message, status=refusal.status)
    error.__cause__ = refusal
    return error


def _not_found(what: str) -> PurchaseError:
    return PurchaseError(f"{what}_not_found", _("Not found."), status=404)


def _purchase_pk(purchase_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(purchase_id))
    except ValueError:
        raise _not_found("purchase") from None


def _card_usable(card: Card, now: dt.datetime) -> bool:
    if card.status != CardStatus.ACTIVE:
        return False
    # Past the first-purchase deadline without a purchase: revoked tonight, unusable now.
    return card.first_purchase_at is not None or now < card.purchase_deadline


def _within_purchase_deadlines(card: Card, now: dt.datetime) -> None:
    """The scheme year's last day to buy and to use the balance (applicants.waves deadlines)."""
    deadline_check(card=card, step=DeadlineStep.PURCHASE, also=(DeadlineStep.BALANCE,), on=now)


def _require_active(partner: Partner) -> None:
    if not partner.may_do_new_business:
        raise PurchaseError(
            "partner_not_active",
            _("This platform may not make new sales now (status: %(status)s).") % {"status": partner.status},
            status=403,
        )


def _insufficient() -> PurchaseError:
    # The balance itself is never told to the platform.
    return PurchaseError("insufficient_balance", _("The card's balance is not enough for this course."), status=422)


def _new_invoice() -> str:
    return "INV-" + timezone.localdate().strftime("%Y%m%d") + "-" + secrets.token_hex(5).upper()


@sensitive_variables("platform_account")
def purchase_create(
    *, partner: Partner, card_number: str, platform_account: str, listing_id: int, schedule_id: int | None = None
) -> Purchase:
    """A purchase awaiting the participant's confirmation; the code goes to their phone.
    `platform_account` is the platform's own id of the buyer's account (purchase_rules)."""
    _require_active(partner)
    now = timezone.now()
    listing = Listing.objects.select_related("course__institution").filter(pk=listing_id, partner=partner).first()
    if listing is None:
        raise _not_found("listing")
    # A suspended institution's approved courses stay approved, but it delivers no new training.
    if (
        not listing.is_active
        or listing.course.status != CourseStatus.APPROVED
        or listing.course.institution.status != InstitutionStatus.APPROVED
    ):
        raise PurchaseError("listing_not_on_sale", _("This course is not on sale."))
    schedule = None
    if schedule_id is not None:
        schedule = Schedule.objects.filter(pk=schedule_id, course=listing.course).first()
        if schedule is None:
            raise _not_found("schedule")
    elif listing.course.method in SCHEDULED_METHODS:
        # A webinar or an offline class is bought for one session (GET .../schedules/).
        raise PurchaseError("schedule_required", _("Choose a schedule for this course."), status=422)
    # The card, its holder's phone and its balance in one query (the balance is read again,
    # locked, by the posting at confirmation; this is only the early answer).
    account_hash = platform_account_hash(partner=partner, account_id=platform_account)
    card = (
        Card.objects.select_related("applicant")
        .annotate(balance=Subquery(LedgerAccount.objects.filter(pk=OuterRef("account_id")).values("balance")[:1]))
        .annotate(**card_rules_annotations(partner_id=partner.pk, account_hash=account_hash))
        .filter(number=card_number.replace(" ", ""))
        .first()
    )
    if card is None or not _card_usable(card, now):
        # One answer for "no such card" and "not usable": the platform learns nothing more.
        raise PurchaseError("card_not_usable", _("This card cannot be used."), status=422)
    _within_purchase_deadlines(card, now)
    if card.balance < listing.price:
        raise _insufficient()
    purchase_rules_check_new(card=card, account_hash=account_hash)
    code, code_hash, _generic_text = detached_code(OtpPurpose.PURCHASE_CONFIRM)
    sms = purchase_sms_text(code=code, course_title=listing.course.title, platform=partner.name, price=listing.price)
    commission = listing.price * partner.commission_rate_bp // 10_000
    with transaction.atomic():
        try:  # per card, across platforms: open purchases, purchases a day, locked confirmations
            card_purchase_allowed(card=card, now=now)
        except CardGuardRefusal as refusal:
            raise _refused(refusal) from refusal
        purchase = Purchase.objects.create(
            partner=partner,
            listing=listing,
            course=listing.course,
            schedule=schedule,
            card=card,
            platform_account_hash=account_hash,
            invoice_code=_new_invoice(),
            price=listing.price,
            commission_rate_bp=partner.commission_rate_bp,
            commission_amount=commission,
            otp_hash=code_hash,
            otp_expires_at=now + OTP_TTL,
        )
        audit_record(
            actor=Actor.partner(partner.slug),
            action="purchase.created",
            target=purchase,
            payload={"price": listing.price, "listing": listing.pk, "card": card.pk},
        )
        if card.applicant.phone:
            sms_send_after_commit(to=card.applicant.phone, text=sms, reference=f"purchase-otp:{purchase.pk}")
    return purchase


def purchase_sms_text(*, code: str, course_title: str, platform: str, price: int) -> str:
    """What the participant approves, in Indonesian whatever the platform's language (the
    phone reads it): the course, the platform, the amount and how long the code is valid."""
    title = course_title if len(course_title) <= 60 else course_title[:59] + "…"
    minutes = int(OTP_TTL.total_seconds() // 60)
    return (
        f'Kode {code} untuk menyetujui pembelian "{title}" di {platform} seharga {rupiah(price)} '
        f"dari saldo Kartu Prakerja Anda. Berlaku {minutes} menit. "
        "JANGAN berikan kode ini kepada siapa pun."
    )


def purchase_confirm(
    *, purchase_id: str, otp: str, partner: Partner | None = None, card: Card | None = None
) -> Purchase:
    """Confirm with the SMS code, through the platform (`partner`) or on the participant's
    dashboard (`card`). A wrong code is counted (on the purchase and on the card) even though
    the caller gets an error."""
    now = timezone.now()
    failure: PurchaseError | None = None
    with transaction.atomic():
        # The purchase and its card locked in one query (in this order, as before: the card is
        # what concurrent confirmations of its purchases queue on), with what the answer shows.
        scope = Purchase.objects.select_for_update(of=("self", "card")).select_related(
            "card", "course", "schedule", "partner"
        )
        if partner is not None:
            scope = scope.filter(partner=partner)
        if card is not None:
            scope = scope.filter(card=card)
        purchase = scope.filter(pk=_purchase_pk(purchase_id)).first()
        if purchase is None:
            raise _not_found("purchase")
        if purchase.status != PurchaseStatus.AWAITING_CONFIRMATION:
            raise PurchaseError("invalid_state", _("This purchase is no longer waiting for confirmation."))
        try:  # wrong codes count per card too, across purchases and platforms (purchase_guard)
            guard = card_confirmation_allowed(card_id=purchase.card_id, now=now)
        except CardGuardRefusal as refusal:
            raise _refused(refusal) from refusal
        if purchase.otp_expires_at <= now:
            purchase.status = PurchaseStatus.EXPIRED
            purchase.save(update_fields=["status", "updated_at"])
            failure = PurchaseError("otp_expired", _("The code has expired; start the purchase again."), status=410)
        elif not detached_code_matches(purchase.otp_hash, otp):
            purchase.otp_attempts += 1
            card_locked = card_code_failure_record(card_id=purchase.card_id, partner=purchase.partner, now=now)
            if card_locked:
                purchase.status = PurchaseStatus.FAILED
                failure = PurchaseError(
                    "card_confirmation_locked",
                    _("Too many wrong codes for this card's purchases: its confirmations are locked for 24 hours."),
                    status=423,
                )
            elif purchase.otp_attempts >= OTP_ATTEMPTS:
                purchase.status = PurchaseStatus.FAILED
                failure = PurchaseError(
                    "otp_attempts_exceeded", _("Three wrong codes: this purchase is cancelled."), status=409
                )
            else:
                left = OTP_ATTEMPTS - purchase.otp_attempts
                failure = PurchaseError(
                    "otp_invalid", _("Wrong code. %(left)s attempt(s) left.") % {"left": left}, status=422
                )
            purchase.save(update_fields=["otp_attempts", "status", "updated_at"])
        else:
            if guard is not None and guard.failures > 0:
                card_code_success_record(card_id=purchase.card_id)
            paid = _pay(purchase, now)
            if isinstance(paid, Purchase):
                return paid
            failure = paid  # the purchase is marked failed, and that is committed
    raise failure


def _pay(purchase: Purchase, now: dt.datetime) -> Purchase | PurchaseError:
    card = purchase.card  # locked with the purchase
    if not _card_usable(card, now):
        raise PurchaseError("card_not_usable", _("This card cannot be used."), status=422)
    _within_purchase_deadlines(card, now)
    purchase_rules_check_pay(purchase=purchase, now=now)  # one course at a time, one account per card
    payable = account_get_or_create(kind=AccountKind.PLATFORM_PAYABLE, owner_ref=str(purchase.partner_id))
    try:
        with transaction.atomic():
            posting_create(
                idempotency_key=f"purchase:{purchase.pk}",
                kind="purchase.confirm",
                lines=[Line(card.account_id, -purchase.price), Line(payable.pk, purchase.price)],
                memo=purchase.invoice_code,
            )
    except InsufficientBalance as exc:
        purchase.status = PurchaseStatus.FAILED
        purchase.save(update_fields=["status", "updated_at"])
        error = PurchaseError(
            "insufficient_balance", _("The card's balance is not enough for this course."), status=422
        )
        error.__cause__ = exc
        return error
    if card.first_purchase_at is None:
        card_first_purchase_record(card=card, at=now)
    purchase.redeem_code = redeem_code_issue(
        course=purchase.course,
        schedule=purchase.schedule,
        invoice_code=purchase.invoice_code,
        platform_name=purchase.partner.name,
    )
    purchase.voucher_code = "".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(12))
    purchase.status = PurchaseStatus.PAID
    purchase.confirmed_at = now
    purchase_paid_save(purchase, update_fields=["redeem_code", "voucher_code", "status", "confirmed_at", "updated_at"])
    audit_record(
        actor=Actor.partner(purchase.partner.slug) if purchase.partner_id else Actor.system("purchase"),
        action="purchase.paid",
        target=purchase,
        payload={"price": purchase.price, "commission": purchase.commission_amount},
    )
    _event(purchase, "purchase.confirmed")
    return purchase


def purchase_cancel(*, purchase_id: str, partner: Partner) -> Purchase:
    """Cancel before the training starts; a paid purchase is refunded by a reversing posting.
    A purchase whose training started (the institution committed the code or recorded a first
    attendance) is never cancelled, so never swapped for another course either. When the
    cancelled purchase was the card's only one, the card is back under its first-purchase
    deadline (card_first_purchase_reset): buy-then-cancel does not escape revocation."""
    with transaction.atomic():
        # The purchase and its card locked, in that order, as purchase_confirm does.
        purchase = (
            Purchase.objects.select_for_update(of=("self", "card"))
            .select_related("card")
            .filter(pk=_purchase_pk(purchase_id), partner=partner)
            .first()
        )
        if purchase is None:
            raise _not_found("purchase")
        if purchase.status == PurchaseStatus.AWAITING_CONFIRMATION:
            pass
        elif purchase.status == PurchaseStatus.PAID and purchase.redeem_code is not None:
            if purchase.started_at is not None:
                raise training_started()
            try:
                redeem_code_cancel(redeem_code=purchase.redeem_code)
            except RedeemCodeUsed as exc:
                raise training_started() from exc
            paid = Posting.objects.get(idempotency_key=f"purchase:{purchase.pk}")
            posting_reverse(posting=paid, idempotency_key=f"purchase-refund:{purchase.pk}", memo=purchase.invoice_code)
            _first_purchase_recompute(purchase, actor=Actor.partner(partner.slug))
        else:
            raise PurchaseError("invalid_state", _("This purchase cannot be cancelled."))
        purchase.status = PurchaseStatus.CANCELLED
        purchase.cancelled_at = timezone.now()
        purchase.save(update_fields=["status", "cancelled_at", "updated_at"])
        audit_record(actor=Actor.partner(partner.slug), action="purchase.cancelled", target=purchase)
        _event(purchase, "purchase.cancelled")
        return purchase


class TrainingIncomplete(PurchaseError):
    """Completion refused while the training is not done: `details` lists what is missing
    (each session not attended, each practice task not submitted or not assessed, the time
    left), answered by the partner API as `problems`."""

    def __init__(self, problems: list[TrainingProblem]) -> None:
        super().__init__(
            "training_incomplete",
            _("The training is not complete: %(missing)s") % {"missing": " ".join(p.message for p in problems)},
        )
        self.details = [p.as_dict() for p in problems]


def _first_purchase_recompute(cancelled: Purchase, *, actor: Actor) -> None:
    """The card's first purchase is its earliest paid one that still stands (paid or completed);
    none left puts the card back under its deadline."""
    if cancelled.card.first_purchase_at is None:
        return
    earliest = (
        Purchase.objects.filter(card_id=cancelled.card_id, status__in=[PurchaseStatus.PAID, PurchaseStatus.COMPLETED])
        .exclude(pk=cancelled.pk)
        .order_by("confirmed_at")
        .values_list("confirmed_at", flat=True)
        .first()
    )
    if earliest != cancelled.card.first_purchase_at:
        card_first_purchase_reset(
            card=cancelled.card,
            first_purchase_at=earliest,
            reason="purchase.cancelled",
            actor=actor,
        )


def purchase_complete(
    *, purchase_id: str, partner: Partner, certificate_number: str, certificate_url: str, completed_at: dt.datetime
) -> Purchase:
    """Record completion and the certificate: only once the institution reported every planned
    session attended and every required practice task submitted and assessed, the course's
    minimum duration since the start has passed, and before the scheme year's last day."""
    with transaction.atomic():
        purchase = (
            Purchase.objects.select_for_update(of=("self",))
            .select_related("redeem_code__course", "card")
            .filter(pk=_purchase_pk(purchase_id), partner=partner)
            .first()
        )
        if purchase is None:
            raise _not_found("purchase")
        if purchase.status == PurchaseStatus.COMPLETED:
            raise PurchaseError("invalid_state", _("This purchase is already completed."))
        if purchase.status != PurchaseStatus.PAID or purchase.redeem_code is None:
            raise PurchaseError("invalid_state", _("Only a paid purchase can be completed."))
        if purchase.redeem_code.status != RedeemCodeStatus.USED:
            raise PurchaseError(
                "training_not_started", _("The training institution has not recorded the start of the training.")
            )
        if completed_at > timezone.now() or (
            purchase.redeem_code.used_at and completed_at < purchase.redeem_code.used_at
        ):
            raise PurchaseError("invalid_completion_time", _("The completion time is not plausible."), status=422)
        if problems := training_problems(training_progress(purchase.redeem_code), at=completed_at):
            raise TrainingIncomplete(problems)
        deadline_check(card=purchase.card, step=DeadlineStep.COMPLETION, on=completed_at)
        purchase.status = PurchaseStatus.COMPLETED
        purchase.certificate_number = certificate_number
        purchase.certificate_url = certificate_url
        purchase.completed_at = completed_at
        purchase.started_at = purchase.started_at or purchase.redeem_code.used_at
        try:
            with transaction.atomic():
                purchase.save(
                    update_fields=[
                        "status",
                        "certificate_number",
                        "certificate_url",
                        "completed_at",
                        "started_at",
                        "updated_at",
                    ]
                )
        except IntegrityError as exc:
            if "purchase_certificate_unique_per_course" not in str(exc):
                raise
            raise PurchaseError(
                "certificate_number_taken",
                _("Another participant of this course already has certificate number %(number)s.")
                % {"number": certificate_number},
            ) from exc
        audit_record(actor=Actor.partner(partner.slug), action="purchase.completed", target=purchase)
        _event(purchase, "purchase.completed")
        # The lower layer owns incentives; the first completed course starts the entitlement.
        entitlement_course_completed(
            card_id=purchase.card_id,
            course_id=purchase.course_id,
            purchase_ref=str(purchase.pk),
            completed_at=completed_at,
        )
        return purchase


def _event(purchase: Purchase, type: str) -> None:
    webhook_event_record(
        partner=purchase.partner,
        type=type,
        payload={
            "purchase": str(purchase.pk),
            "invoice_code": purchase.invoice_code,
            "status": str(purchase_display_status(purchase)),
            "price": purchase.price,
        },
    )


def purchase_display_status(purchase: Purchase) -> str:
    """The status as partners and participants see it: a paid purchase whose redeem code the
    institution committed is "redeemed" (the code lives in courses/, below this layer)."""
    if (
        purchase.status == PurchaseStatus.PAID
        and purchase.redeem_code is not None
        and purchase.redeem_code.status == RedeemCodeStatus.USED
    ):
        return PurchaseStatus.REDEEMED
    return purchase.status


def purchases_on_redeem_code_used(redeem_code: RedeemCode) -> None:
    """The institution committed a purchase's redeem code: tell the platform (webhook)."""
    now = timezone.now()
    purchase = purchase_training_started_mark(redeem_code_id=redeem_code.pk, at=redeem_code.used_at or now, now=now)
    if purchase is not None:
        purchase.redeem_code = redeem_code  # the row this transaction just marked used
        audit_record(actor=Actor.system("integration"), action="purchase.redeemed", target=purchase)
        _event(purchase, "purchase.redeemed")
