"""Incentives: payout accounts, entitlements and instalments, surveys, disbursement runs and
payouts. Money moves only through the ledger; these rows say why and how far each rupiah got."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applicants.models.applicant import Applicant
from applicants.models.wave import Card
from prakerja.payments.providers import PayoutChannel, mask_account_number


class AccountMatch(models.TextChoices):
    EXACT = "exact", _("Name matches")
    FUZZY = "fuzzy", _("Name nearly matches (checked by a verifier)")


class PayoutAccountStatus(models.TextChoices):
    AWAITING_CODE = "awaiting_code", _("Waiting for the SMS code")
    AWAITING_REVIEW = "awaiting_review", _("Waiting for a verifier")
    ACTIVE = "active", _("In use")
    REPLACED = "replaced", _("Replaced by a newer account")
    REJECTED = "rejected", _("Rejected by a verifier")
    ABANDONED = "abandoned", _("Not confirmed")


class PayoutAccount(models.Model):
    """Where a participant's incentives go: one account in use at a time."""

    applicant = models.ForeignKey(
        Applicant, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="payout_accounts"
    )
    channel = models.CharField(_("bank or e-wallet"), max_length=12, choices=PayoutChannel.choices)
    account_number = models.CharField(_("account number"), max_length=34)
    holder_name = models.CharField(_("holder's name (from the provider)"), max_length=150)
    match = models.CharField(_("name check"), max_length=5, choices=AccountMatch.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=PayoutAccountStatus.choices, default=PayoutAccountStatus.AWAITING_CODE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("code confirmed at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("in use since"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_note = models.CharField(_("verifier's note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("payout account")
        verbose_name_plural = _("payout accounts")
        ordering = ("-created_at",)
        permissions = [("review_payoutaccount", _("Can approve or reject a payout account's name"))]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant"], condition=models.Q(status="active"), name="payout_account_one_active"
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], name="payout_account_review_queue", condition=models.Q(status="awaiting_review")
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.masked_number}"

    @property
    def masked_number(self) -> str:
        return mask_account_number(self.account_number)


class Entitlement(models.Model):
    """A card's road to its incentives: the first course completed and reviewed, then the
    schedule. Pushed here by the layers above (the purchase and the review live there)."""

    card = models.OneToOneField(Card, verbose_name=_("card"), on_delete=models.PROTECT, related_name="entitlement")
    first_course_id = models.BigIntegerField(_("first course completed"), null=True, blank=True)
    first_purchase_ref = models.CharField(_("first purchase"), max_length=64, blank=True)
    completed_at = models.DateTimeField(_("first course completed at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("first course reviewed at"), null=True, blank=True)
    scheduled_at = models.DateTimeField(_("incentives scheduled at"), null=True, blank=True)
    # The participant's incentive payable in the ledger (created with the schedule).
    account_id = models.BigIntegerField(_("incentive payable account"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")

    def __str__(self) -> str:
        return f"entitlement of card {self.card_id}"


class InstalmentKind(models.TextChoices):
    POST_TRAINING = "post_training", _("Post-training incentive")
    SURVEY = "survey", _("Survey incentive")


class InstalmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    PAYABLE = "payable", _("Due for transfer")
    PAID = "paid", _("Paid")
    RETURNED = "returned", _("Returned to the treasury (deadline passed)")


class Instalment(models.Model):
    card = models.ForeignKey(Card, verbose_name=_("card"), on_delete=models.PROTECT, related_name="instalments")
    kind = models.CharField(_("kind"), max_length=16, choices=InstalmentKind.choices)
    number = models.PositiveSmallIntegerField(_("number"))
    amount = models.BigIntegerField(_("amount (Rp)"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=InstalmentStatus.choices, default=InstalmentStatus.SCHEDULED
    )
    # Set when a transfer failed for the account's sake: no new attempt until the participant
    # changes the account (or finance retries it by hand).
    held_reason = models.CharField(_("held because"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    payable_at = models.DateTimeField(_("due for transfer since"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("incentive instalment")
        verbose_name_plural = _("incentive instalments")
        ordering = ("card", "kind", "number")
        constraints = [
            models.UniqueConstraint(fields=["card", "kind", "number"], name="instalment_unique_per_card"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="instalment_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["due_on"], name="instalment_scheduled_due", condition=models.Q(status="scheduled")),
            models.Index(fields=["id"], name="instalment_payable", condition=models.Q(status="payable")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Survey(models.Model):
    """A short questionnaire; survey n appears after the first incentive is paid and survey
    n-1 is done. PMO staff edit the questions in the admin."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ("number",)

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=300)
    # One choice per line; empty for a free-text answer.
    choices = models.TextField(_("choices (one per line; empty for free text)"), blank=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ("survey", "order", "pk")

    def __str__(self) -> str:
        return self.text

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class SurveyResponse(models.Model):
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="responses")
    card = models.ForeignKey(Card, verbose_name=_("card"), on_delete=models.PROTECT, related_name="survey_responses")
    answers = models.JSONField(_("answers"))
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [models.UniqueConstraint(fields=["survey", "card"], name="survey_response_once")]

    def __str__(self) -> str:
        return f"{self.survey} by card {self.card_id}"


class PayoutPolicy(models.Model):
    """Finance's settings (one row): above this total a run waits for a second finance user."""

    approval_threshold = models.BigIntegerField(_("runs above this total need a second approver (Rp)"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payout policy")
        verbose_name_plural = _("payout policy")

    def __str__(self) -> str:
        return str(_("Payout policy"))


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
