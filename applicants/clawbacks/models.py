"""Clawback: a participant found ineligible after being paid must repay within
`CLAWBACK_REPAY_DAYS` (60) days; repayments go through the ledger; unpaid cases past the date
are referred for legal follow-up."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applicants.registration.models import Applicant
from applicants.waves.models import Card


def clawback_evidence_path(instance: Any, filename: str) -> str:
    return f"private/clawbacks/{uuid.uuid4().hex}.jpg"


class ClawbackStatus(models.TextChoices):
    OPEN = "open", _("Waiting for repayment")
    REPAID = "repaid", _("Repaid")
    OVERDUE = "overdue", _("Overdue: referred for legal follow-up")
    # Opened by mistake: cancelled by a verifier with a reason, its posting reversed.
    CANCELLED = "cancelled", _("Cancelled (opened by mistake)")


# A card has at most one case in these states.
LIVE_CLAWBACK_STATUSES = (ClawbackStatus.OPEN, ClawbackStatus.OVERDUE)


class Clawback(models.Model):
    card = models.ForeignKey(Card, verbose_name=_("card"), on_delete=models.PROTECT, related_name="clawbacks")
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="clawbacks"
    )
    status = models.CharField(_("status"), max_length=12, choices=ClawbackStatus.choices, default=ClawbackStatus.OPEN)
    # What the participant received when the case was opened (training spent, incentives paid).
    training_used = models.BigIntegerField(_("training balance used (Rp)"))
    incentives_paid = models.BigIntegerField(_("incentives paid (Rp)"))
    amount = models.BigIntegerField(_("to repay (Rp)"))
    repaid_amount = models.BigIntegerField(_("repaid (Rp)"), default=0)
    reason = models.TextField(_("why the participant is ineligible"))
    evidence = models.FileField(_("evidence (photo or scan)"), upload_to=clawback_evidence_path)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"))
    due_on = models.DateField(_("repay by"))
    referred_at = models.DateTimeField(_("referred for legal follow-up at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("repaid in full at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancel_reason = models.TextField(_("why cancelled"), blank=True)

    class Meta:
        verbose_name = _("clawback")
        verbose_name_plural = _("clawbacks")
        ordering = ("due_on", "id")
        permissions = [
            ("record_clawbackrepayment", _("Can record clawback repayments")),
            ("cancel_clawback", _("Can cancel a clawback case opened by mistake")),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="clawback_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(repaid_amount__gte=0) & models.Q(repaid_amount__lte=models.F("amount")),
                name="clawback_repaid_within_amount",
            ),
            models.UniqueConstraint(
                fields=["card"], condition=models.Q(status__in=["open", "overdue"]), name="clawback_one_live_per_card"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled")
                | (models.Q(cancelled_at__isnull=False) & ~models.Q(cancel_reason="")),
                name="clawback_cancel_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["due_on"], name="clawback_live_due_idx", condition=~models.Q(status="repaid")),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """What the participant writes on the transfer, so finance can match the payment."""
        return f"KB{self.pk:08d}"

    @property
    def outstanding(self) -> int:
        return self.amount - self.repaid_amount


class ClawbackRepayment(models.Model):
    """One payment received from the participant, as read on the programme's bank statement."""

    clawback = models.ForeignKey(
        Clawback, verbose_name=_("clawback"), on_delete=models.PROTECT, related_name="repayments"
    )
    amount = models.BigIntegerField(_("amount (Rp)"))
    # The bank's transaction reference: a statement line is recorded once, whoever enters it.
    bank_reference = models.CharField(_("bank reference"), max_length=64, unique=True)
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("clawback repayment")
        verbose_name_plural = _("clawback repayments")
        ordering = ("paid_on", "id")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="clawback_repayment_positive")]

    def __str__(self) -> str:
        return self.bank_reference
