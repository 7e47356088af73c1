"""What a participant is owed: entitlements and their instalments, payout accounts, surveys, the payout
policy and its change requests."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from applicants.registration.models import Applicant
from applicants.waves.models import Card
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


class PolicyChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a second finance user")
    APPROVED = "approved", _("Approved (in force)")
    REJECTED = "rejected", _("Rejected")


class PayoutPolicyChange(models.Model):
    approval_threshold = models.BigIntegerField(_("new threshold: runs above this total need a second approver (Rp)"))
    previous_threshold = models.BigIntegerField(_("threshold before"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PolicyChangeStatus.choices, default=PolicyChangeStatus.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payout policy change")
        verbose_name_plural = _("payout policy changes")
        ordering = ("-proposed_at",)
        permissions = [("approve_payoutpolicychange", "Can approve or reject another user's payout policy change")]
        constraints = [
            models.CheckConstraint(condition=Q(approval_threshold__gte=0), name="policy_change_threshold_not_negative"),
            # The second person is another person.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
                name="policy_change_decided_by_another_user",
            ),
            models.UniqueConstraint(fields=["status"], condition=Q(status="pending"), name="policy_change_one_pending"),
        ]

    def __str__(self) -> str:
        return f"Rp {self.approval_threshold:,}".replace(",", ".")
