"""Clawback of benefits from a participant found ineligible after payment.

Ledger (accounts show where money sits; positive = held):
- opening a case, key `clawback:<id>`: the participant's clawback receivable +amount against the
  programme's clawback claims account (a system account of the same kind) -amount. The
  receivable's balance is what the participant still owes.
- cancelling a case opened by mistake, key `clawback-cancel:<id>`: the opening posting reversed
  (a new posting, its mirror image; the first stays as it was).
- a repayment, key `clawback-repay:<bank reference>`: the money comes back from outside (out
  of "payouts settled", where money that left the programme sits) into the state treasury, and
  the receivable comes down by the same amount (claims back up). A bank statement line is
  recorded once: its reference is unique, so a second entry by another finance user, or a retry,
  cannot count it twice.
- repaid in full, keys `clawback-close:<id>` and `incentive-return:<instalment>`: what is left
  on the card and the instalments never paid go to the treasury; the card is closed.

While a case is open (or overdue) the card is suspended and a CLAWBACK hold (source
`clawback:<id>`) keeps every payout run away from the participant and stops new instalments and
survey incentives. Only the case lifts it: repaid in full, or cancelled by a verifier. A new
payout account and finance's retry of a failed transfer leave it in place.
"""

import datetime as dt

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.errors import ApplicantError
from applicants.holds.models import HoldKind
from applicants.holds.services import holds_place, holds_release_for_source
from applicants.incentives.services.entitlements import entitlement_schedule_if_ready, instalments_make_due
from applicants.models import (
    LIVE_CLAWBACK_STATUSES,
    Blacklisting,
    Card,
    CardStatus,
    Clawback,
    ClawbackRepayment,
    ClawbackStatus,
    Instalment,
    InstalmentStatus,
    Payout,
    PayoutStatus,
)
from applicants.waves.services.blacklisting import blacklist_add_bulk
from applicants.waves.services.cards import card_suspend, card_unsuspend_if_free
from prakerja.audit.services import AuditEntry, audit_record, audit_record_bulk
from prakerja.core.actor import Actor
from prakerja.core.formatting import rupiah
from prakerja.core.uploads import ImageRejected, image_clean
from prakerja.ledger.models import AccountKind, LedgerAccount, Posting
from prakerja.ledger.services import (
    BulkPosting,
    Line,
    account_get_or_create,
    posting_create,
    posting_reverse,
    postings_create_bulk,
)
from prakerja.messaging.services import email_send_after_commit, sms_send_after_commit

TRAINING_USED_SQL = """
SELECT coalesce(-sum(e.amount), 0)
FROM ledger_entry AS e
WHERE e.account_id = %s
  AND EXISTS (
      SELECT 1 FROM ledger_entry AS other JOIN ledger_account AS a ON a.id = other.account_id
      WHERE other.posting_id = e.posting_id AND a.kind = 'platform_payable'
  )
"""
# Where repaid money says it should go (shown to the participant).
REPAY_TO = "Rekening Kas Umum Negara (BRI 0000-01-000000-30-0), berita: {reference}"


class ClawbackError(ApplicantError):
    pass


def clawback_hold_source(clawback: Clawback) -> str:
    return f"clawback:{clawback.pk}"


def _blacklist_reason(clawback: Clawback) -> str:
    return f"Clawback {clawback.reference}"


def clawback_benefit(card: Card) -> tuple[int, int]:
    """What the participant received: training balance spent on purchases (net of refunds) and
    incentives paid out."""
    with connection.cursor() as cursor:
        cursor.execute(TRAINING_USED_SQL, [card.account_id])
        training = int(cursor.fetchone()[0])
    incentives = (
        Payout.objects.filter(instalment__card=card, status=PayoutStatus.SUCCEEDED).aggregate(total=Sum("amount"))[
            "total"
        ]
        or 0
    )
    return training, int(incentives)


def _claims_accounts(card: Card) -> tuple[int, int]:
    receivable = account_get_or_create(kind=AccountKind.CLAWBACK_RECEIVABLE, owner_ref=f"card:{card.pk}")
    claims = account_get_or_create(kind=AccountKind.CLAWBACK_RECEIVABLE, name="Clawback claims (programme)")
    return receivable.pk, claims.pk


def clawback_open(
    *, card: Card, reason: str, evidence: UploadedFile | None, actor: Actor, amount: int | None = None
) -> Clawback:
    """A verifier marks the participant ineligible: the case, its posting, the NIK blacklisted,
    the participant told how much to repay, by when and how."""
    reason = reason.strip()
    if not reason:
        raise ClawbackError(_("Say why the participant is ineligible."), field="reason")
    if evidence is None:
        raise ClawbackError(_("Attach the evidence."), field="evidence")
    try:
        cleaned = image_clean(evidence)
    except ImageRejected as exc:
        raise ClawbackError(str(exc), field="evidence") from exc
    training, incentives = clawback_benefit(card)
    received = training + incentives
    if received <= 0:
        raise ClawbackError(_("This participant has received nothing to repay."))
    if amount is None:
        amount = received
    if not 0 < amount <= received:
        raise ClawbackError(
            _("The amount must be between Rp1 and what was received (%(total)s).") % {"total": rupiah(received)},
            field="amount",
        )
    now = timezone.now()
    applicant = card.applicant
    with transaction.atomic():
        if Clawback.objects.filter(card=card, status__in=LIVE_CLAWBACK_STATUSES).exists():
            raise ClawbackError(_("This card already has a clawback case."))
        clawback = Clawback(
            card=card,
            applicant=applicant,
            training_used=training,
            incentives_paid=incentives,
            amount=amount,
            reason=reason,
            opened_by=actor.person,
            opened_at=now,
            due_on=timezone.localdate(now) + dt.timedelta(days=settings.CLAWBACK_REPAY_DAYS),
        )
        clawback.evidence.save(cleaned.name or "evidence.jpg", cleaned, save=False)
        try:
            with transaction.atomic():
                clawback.save()
        except IntegrityError as exc:  # a concurrent case for the same card
            raise ClawbackError(_("This card already has a clawback case.")) from exc
        receivable, claims = _claims_accounts(card)
        posting_create(
            idempotency_key=f"clawback:{clawback.pk}",
            kind="clawback.open",
            lines=[Line(receivable, amount), Line(claims, -amount)],
            memo=clawback.reference,
        )
        # No further incentive leaves for this card and it cannot be spent: the case's hold
        # leaves the participant out of every payout run until the case is closed or cancelled.
        holds_place(
            kind=HoldKind.CLAWBACK,
            source=clawback_hold_source(clawback),
            reason=f"Clawback {clawback.reference}",
            actor=actor,
            applicant_ids=[applicant.pk],
        )
        suspended = card_suspend(card=card, actor=actor, why=f"clawback:{clawback.pk}")
        held = Instalment.objects.filter(
            card=card, status__in=[InstalmentStatus.SCHEDULED, InstalmentStatus.PAYABLE]
        ).count()
        blacklist_add_bulk(
            applicant_ids=[applicant.pk], reason=_blacklist_reason(clawback), created_by_id=actor.person.pk
        )
        audit_record(
            actor=actor,
            action="clawback.opened",
            target=clawback,
            payload={
                "card": card.pk,
                "amount": amount,
                "training_used": training,
                "incentives_paid": incentives,
                "instalments_held": held,
                "card_suspended": suspended,
            },
        )
        due = clawback.due_on.strftime("%d-%m-%Y")
        text = (
            f"Kartu Prakerja: Anda dinyatakan tidak memenuhi syarat. Kembalikan {rupiah(amount)} "
            f"paling lambat {due} ke {REPAY_TO.format(reference=clawback.reference)}."
        )
        email_send_after_commit(
            to=applicant.user.email,
            subject="Kewajiban pengembalian dana Kartu Prakerja",
            body=f"{text}\n\nAlasan: {reason}\n\nBila tidak dikembalikan sampai tanggal tersebut, "
            "kasus Anda diteruskan untuk proses hukum. Lihat rinciannya di dasbor Anda.",
            reference=f"clawback-opened:{clawback.pk}",
        )
        if applicant.phone:
            sms_send_after_commit(to=applicant.phone, text=text, reference=f"clawback-opened-sms:{clawback.pk}")
    return clawback


def clawback_repayment_record(
    *, clawback: Clawback, amount: int, bank_reference: str, paid_on: dt.date, actor: Actor
) -> ClawbackRepayment:
    """Finance records a payment read on the bank statement. The same statement line recorded
    again returns the first record (and is refused if its details differ)."""
    bank_reference = bank_reference.strip()
    if not bank_reference:
        raise ClawbackError(_("Enter the bank's reference of the payment."), field="bank_reference")
    if amount <= 0:
        raise ClawbackError(_("The amount must be positive."), field="amount")
    with transaction.atomic():
        # The case's row lock orders concurrent recordings: the outstanding amount read below
        # is the one the update writes against.
        locked = Clawback.objects.select_for_update().select_related("applicant__user", "card").get(pk=clawback.pk)
        existing = ClawbackRepayment.objects.filter(bank_reference=bank_reference).first()
        if existing is not None:
            if existing.clawback_id == locked.pk and existing.amount == amount:
                return existing
            raise ClawbackError(_("This bank reference is already recorded for another payment."))
        if locked.status == ClawbackStatus.REPAID:
            raise ClawbackError(_("This case is repaid in full."))
        if amount > locked.outstanding:
            raise ClawbackError(
                _("Only %(left)s is still owed.") % {"left": rupiah(locked.outstanding)}, field="amount"
            )
        try:
            with transaction.atomic():
                repayment = ClawbackRepayment.objects.create(
                    clawback=locked,
                    amount=amount,
                    bank_reference=bank_reference,
                    paid_on=paid_on,
                    recorded_by=actor.person,
                )
        except IntegrityError as exc:  # the same line recorded at this moment for another case
            raise ClawbackError(_("This bank reference is already recorded for another payment.")) from exc
        receivable, claims = _claims_accounts(locked.card)
        settled = account_get_or_create(kind=AccountKind.PAYOUTS_SETTLED)
        treasury = account_get_or_create(kind=AccountKind.TREASURY)
        posting_create(
            idempotency_key=f"clawback-repay:{bank_reference}",
            kind="clawback.repay",
            lines=[
                Line(settled.pk, -amount),
                Line(treasury.pk, amount),
                Line(receivable, -amount),
                Line(claims, amount),
            ],
            memo=locked.reference,
        )
        locked.repaid_amount += amount
        fields = ["repaid_amount"]
        if locked.outstanding == 0:
            locked.status = ClawbackStatus.REPAID
            locked.closed_at = timezone.now()
            fields += ["status", "closed_at"]
        locked.save(update_fields=fields)
        if locked.status == ClawbackStatus.REPAID:
            _close_repaid(locked, actor=actor)
        audit_record(
            actor=actor,
            action="clawback.repayment_recorded",
            target=locked,
            payload={"amount": amount, "bank_reference": bank_reference, "outstanding": locked.outstanding},
        )
        left = "Lunas. Terima kasih." if locked.outstanding == 0 else f"Sisa: {rupiah(locked.outstanding)}."
        email_send_after_commit(
            to=locked.applicant.user.email,
            subject=f"Pembayaran {locked.reference} diterima",
            body=f"Pembayaran {rupiah(amount)} tanggal {paid_on:%d-%m-%Y} sudah kami catat. {left}",
            reference=f"clawback-repaid:{repayment.pk}",
        )
    return repayment


def clawbacks_mark_overdue(*, today: dt.date | None = None) -> int:
    """Cases past their date with money still owed are referred for legal follow-up (set-based;
    safe to run twice: only open cases change)."""
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE applicants_clawback SET status = 'overdue', referred_at = %s "
                "WHERE status = 'open' AND due_on < %s AND repaid_amount < amount RETURNING id",
                [now, today],
            )
            ids = [row[0] for row in cursor.fetchall()]
        overdue = list(Clawback.objects.filter(pk__in=ids).select_related("applicant__user"))
        audit_record_bulk(
            entries=[
                AuditEntry(
                    actor=Actor.system("clawbacks.overdue"),
                    action="clawback.referred",
                    target=case,
                    payload={"outstanding": case.outstanding},
                )
                for case in overdue
            ]
        )
        for case in overdue:
            email_send_after_commit(
                to=case.applicant.user.email,
                subject=f"{case.reference}: batas pengembalian terlewati",
                body=(
                    f"Batas pengembalian {case.due_on:%d-%m-%Y} sudah lewat dan masih ada {rupiah(case.outstanding)} "
                    "yang belum dikembalikan. Kasus Anda diteruskan untuk proses hukum."
                ),
                reference=f"clawback-overdue:{case.pk}",
            )
    return len(ids)


def _close_repaid(clawback: Clawback, *, actor: Actor) -> None:
    """Repaid in full: the case's hold is lifted, and since the participant is not eligible,
    what is left on the card and every instalment never paid go back to the treasury and the
    card is closed (it stays out of the programme; the NIK stays blacklisted)."""
    card = Card.objects.select_for_update().get(pk=clawback.card_id)
    treasury = account_get_or_create(kind=AccountKind.TREASURY, name="Kas Negara")
    left = LedgerAccount.objects.filter(pk=card.account_id).values_list("balance", flat=True).get()
    if left > 0:
        posting_create(
            idempotency_key=f"clawback-close:{clawback.pk}",
            kind="clawback.close",
            lines=[Line(card.account_id, -left), Line(treasury.pk, left)],
            memo=clawback.reference,
        )
    unpaid = list(
        Instalment.objects.select_for_update(of=("self",))
        .filter(card=card, status__in=[InstalmentStatus.SCHEDULED, InstalmentStatus.PAYABLE])
        .exclude(payouts__status__in=[PayoutStatus.CREATED, PayoutStatus.PENDING, PayoutStatus.UNKNOWN])
        .select_related("card__entitlement")
    )
    postings_create_bulk(
        kind="incentive.return",
        postings=[
            BulkPosting(
                idempotency_key=f"incentive-return:{i.pk}",
                lines=(
                    Line(account_id=i.card.entitlement.account_id or 0, amount=-i.amount),
                    Line(account_id=treasury.pk, amount=i.amount),
                ),
            )
            for i in unpaid
            if i.status == InstalmentStatus.PAYABLE
        ],
    )
    Instalment.objects.filter(pk__in=[i.pk for i in unpaid]).update(status=InstalmentStatus.RETURNED)
    if card.status in (CardStatus.ACTIVE, CardStatus.SUSPENDED):
        card.status = CardStatus.CLOSED
        card.closed_at = timezone.now()
        card.save(update_fields=["status", "closed_at"])
    released = holds_release_for_source(
        kind=HoldKind.CLAWBACK,
        source=clawback_hold_source(clawback),
        reason=f"{clawback.reference} lunas",
        actor=actor,
    )
    audit_record(
        actor=actor,
        action="clawback.closed",
        target=clawback,
        payload={"card_balance_returned": left, "instalments_returned": len(unpaid), "holds_released": released},
    )


def clawback_cancel(*, clawback: Clawback, reason: str, actor: Actor) -> Clawback:
    """A verifier cancels a case opened by mistake: the opening posting is reversed by a new
    balanced posting, the hold lifted, the card usable again (if nothing else suspends it), the
    blacklisting the case added removed, and scheduling of incentives resumes. A case with
    repayments recorded is not cancelled here: the money received must be refunded first."""
    reason = reason.strip()
    if not reason:
        raise ClawbackError(_("Say why the case is cancelled."), field="reason")
    if actor.user is None or not actor.user.has_perm("applicants.cancel_clawback"):
        raise ClawbackError(_("Only a verifier can cancel a clawback case."), status=403)
    with transaction.atomic():
        locked = Clawback.objects.select_for_update().select_related("applicant__user").get(pk=clawback.pk)
        if locked.status not in LIVE_CLAWBACK_STATUSES:
            raise ClawbackError(_("Only an open or overdue case can be cancelled."))
        if locked.repaid_amount > 0:
            raise ClawbackError(
                _("Repayments are recorded on this case: refund them through finance before cancelling it.")
            )
        opening = Posting.objects.get(idempotency_key=f"clawback:{locked.pk}")
        posting_reverse(posting=opening, idempotency_key=f"clawback-cancel:{locked.pk}", memo=locked.reference)
        locked.status = ClawbackStatus.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.cancelled_by = actor.person
        locked.cancel_reason = reason
        locked.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
        released = holds_release_for_source(
            kind=HoldKind.CLAWBACK, source=clawback_hold_source(locked), reason=reason, actor=actor
        )
        unsuspended = card_unsuspend_if_free(card_id=locked.card_id, actor=actor, why=f"clawback-cancel:{locked.pk}")
        removed, _rows = Blacklisting.objects.filter(
            applicant_id=locked.applicant_id, reason=_blacklist_reason(locked)
        ).delete()
        audit_record(
            actor=actor,
            action="clawback.cancelled",
            target=locked,
            payload={
                "reason": reason,
                "holds_released": released,
                "card_unsuspended": unsuspended,
                "blacklisting_removed": removed,
            },
        )
        entitlement_schedule_if_ready(card_id=locked.card_id)
        instalments_make_due(card_id=locked.card_id)
        email_send_after_commit(
            to=locked.applicant.user.email,
            subject=f"{locked.reference} dibatalkan",
            body=(
                f"Kasus pengembalian dana {locked.reference} dibatalkan karena keliru dibuka. Anda tidak perlu "
                "mengembalikan dana. Kartu dan insentif Anda berjalan kembali seperti semula."
            ),
            reference=f"clawback-cancelled:{locked.pk}",
        )
    return locked
