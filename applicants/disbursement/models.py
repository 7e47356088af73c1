"""Paying instalments out: disbursement runs, payouts, their chunks and the daily reconciliation."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from applicants.incentives.models import Instalment, PayoutAccount
from prakerja.payments.providers import PayoutChannel


class RunStatus(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for approval")
    SUBMITTING = "submitting", _("Sending to the provider")
    SUBMITTED = "submitted", _("Sent")
    REJECTED = "rejected", _("Rejected")


class DisbursementRun(models.Model):
    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=18, choices=RunStatus.choices, default=RunStatus.PREPARING)
    payout_count = models.PositiveIntegerField(_("payouts"), default=0)
    total_amount = models.BigIntegerField(_("total (Rp)"), default=0)
    approval_threshold = models.BigIntegerField(_("approval needed above (Rp)"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("sending started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("all sent at"), null=True, blank=True)
    # The registry imports its participants were checked against before anything was sent; an
    # import not among them (finished since) is checked before a chunk is sent.
    registry_imports_checked = ArrayField(
        models.BigIntegerField(), verbose_name=_("registry imports checked"), default=list, blank=True, editable=False
    )
    registry_hits = models.PositiveIntegerField(_("participants held by a registry hit"), default=0)

    class Meta:
        verbose_name = _("disbursement run")
        verbose_name_plural = _("disbursement runs")
        ordering = ("-created_at",)
        permissions = [("approve_disbursementrun", _("Can approve a disbursement run"))]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.day})"


class PayoutStatus(models.TextChoices):
    # Not yet answered by the provider: waiting in its chunk, or being sent (the chunk says).
    CREATED = "created", _("Waiting to be sent")
    PENDING = "pending", _("Accepted, in progress")
    UNKNOWN = "unknown", _("Unknown (asking the provider)")
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Failed")
    REVERSED = "reversed", _("Returned by the bank")
    CANCELLED = "cancelled", _("Cancelled before sending")


OPEN_PAYOUT_STATUSES = (
    PayoutStatus.CREATED,
    PayoutStatus.PENDING,
    PayoutStatus.UNKNOWN,
    PayoutStatus.SUCCEEDED,
)


class Payout(models.Model):
    """One transfer attempt for one instalment. Its id is the provider's idempotency key, so
    resending it can never pay twice; a new attempt (a new id) is made only after the provider
    said a terminal "no" or the money came back."""

    # No database-level foreign keys (like ledger entries and decisions): a million per-row
    # reference checks cost more than writing the payouts. The rows are made by one INSERT ...
    # SELECT from the rows they name, and none of those rows is ever deleted.
    run = models.ForeignKey(
        DisbursementRun,
        verbose_name=_("run"),
        on_delete=models.PROTECT,
        related_name="payouts",
        db_constraint=False,
        db_index=False,  # payout_run_status (run, status) serves
    )
    instalment = models.ForeignKey(
        Instalment,
        verbose_name=_("instalment"),
        on_delete=models.PROTECT,
        related_name="payouts",
        db_constraint=False,
    )
    payout_account = models.ForeignKey(
        PayoutAccount,
        verbose_name=_("payout account"),
        on_delete=models.PROTECT,
        related_name="payouts",
        db_constraint=False,
        db_index=False,
    )
    # Copied from the account when the payout is made: what was sent is what is shown.
    channel = models.CharField(_("bank or e-wallet"), max_length=12, choices=PayoutChannel.choices)
    account_number = models.CharField(_("account number"), max_length=34)
    amount = models.BigIntegerField(_("amount (Rp)"))
    account_id = models.BigIntegerField(_("incentive payable account"))
    status = models.CharField(_("status"), max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.CREATED)
    response_code = models.CharField(_("provider's code"), max_length=7, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"))
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ("-id",)
        constraints = [
            # One live payout per instalment: a second run cannot make another.
            models.UniqueConstraint(
                fields=["instalment"],
                condition=models.Q(status__in=["created", "pending", "unknown", "succeeded"]),
                name="payout_one_open_per_instalment",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payout_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["run", "status"], name="payout_run_status"),
            models.Index(
                fields=["updated_at"],
                name="payout_unresolved",
                condition=models.Q(status__in=["pending", "unknown"]),
            ),
            models.Index(fields=["settled_at"], name="payout_settled_at", condition=models.Q(settled_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"payout {self.pk}"

    @property
    def reference(self) -> str:
        return payout_reference(self.pk)


class PayoutChunk(models.Model):
    """A range of a run's payout ids sent by one task. Claiming the chunk (not each payout)
    marks its payouts as possibly sent: a chunk claimed before and not finished is asked about
    before anything is sent again."""

    run = models.ForeignKey(DisbursementRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="chunks")
    first_id = models.BigIntegerField(_("first payout"))
    last_id = models.BigIntegerField(_("last payout"))
    queued_at = models.DateTimeField(_("queued at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payout chunk")
        verbose_name_plural = _("payout chunks")
        constraints = [models.UniqueConstraint(fields=["run", "first_id"], name="payout_chunk_unique")]
        indexes = [
            models.Index(fields=["queued_at"], name="payout_chunk_open", condition=models.Q(finished_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} payouts {self.first_id}-{self.last_id}"


def payout_reference(payout_id: int) -> str:
    """The provider's idempotency key (partnerReferenceNo)."""
    return f"PKJ{payout_id:012d}"


class Reconciliation(models.Model):
    """Our payouts against the provider's settlement report, per run or per day."""

    run = models.ForeignKey(
        DisbursementRun,
        verbose_name=_("run"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reconciliations",
    )
    day = models.DateField(_("day"), null=True, blank=True)
    ours_count = models.PositiveIntegerField(_("paid by our books"))
    ours_amount = models.BigIntegerField(_("amount by our books (Rp)"))
    theirs_count = models.PositiveIntegerField(_("paid by the provider's report"))
    theirs_amount = models.BigIntegerField(_("amount by the provider's report (Rp)"))
    mismatches = models.JSONField(_("mismatches"), default=list)
    created_at = models.DateTimeField(_("reconciled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"reconciliation {self.day or self.run_id}"
