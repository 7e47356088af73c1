"""Groups of suspected duplicates, their members and the passes that find them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applicants.registration.models import Applicant


class DuplicateSignal(models.TextChoices):
    PHONE = "phone", _("Same phone number")
    PAYOUT_ACCOUNT = "payout_account", _("Same payout account")
    EMAIL_ALIAS = "email_alias", _("Same e-mail mailbox (dots or +tag)")
    EMAIL_SERIES = "email_series", _("Numbered e-mail series")
    NAME_BIRTH_DATE = "name_birth_date", _("Same name and birth date, different NIK")
    KTP_PHOTO = "ktp_photo", _("Same KTP photo")


class GroupStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a verifier")
    CLEARED = "cleared", _("Cleared: different people")
    CONFIRMED = "confirmed", _("Confirmed duplicate")


class MemberRole(models.TextChoices):
    SUSPECT = "suspect", _("Under review")
    KEPT = "kept", _("Kept (the real account)")
    EXTRA = "extra", _("Extra account (blocked)")


class DuplicateGroup(models.Model):
    """Everyone who shares one value of one signal. The value itself is never stored: `key` is a
    keyed hash of it (the same value gives the same key on every pass, so a group is found
    again, not made anew), and `hint` is a masked form for the verifier."""

    signal = models.CharField(_("signal"), max_length=16, choices=DuplicateSignal.choices)
    key = models.CharField(_("key"), max_length=64, editable=False)
    hint = models.CharField(_("what they share (masked)"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=GroupStatus.choices, default=GroupStatus.OPEN)
    member_count = models.PositiveIntegerField(_("members"), default=0)
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last found at"))
    reopened_at = models.DateTimeField(_("reopened at (new member)"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.CharField(_("verifier's reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("suspected duplicate group")
        verbose_name_plural = _("suspected duplicate groups")
        permissions = [("decide_duplicategroup", _("Can clear or confirm a suspected duplicate group"))]
        constraints = [
            models.UniqueConstraint(fields=["signal", "key"], name="duplicate_group_once_per_value"),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(decision_reason=""), name="duplicate_group_decision_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["found_at"], condition=Q(status="open"), name="duplicate_group_open_queue")]

    def __str__(self) -> str:
        return f"{self.get_signal_display()} #{self.pk}"

    @property
    def hold_source(self) -> str:
        return f"duplicates:{self.pk}"


class DuplicateMember(models.Model):
    group = models.ForeignKey(DuplicateGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="members")
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="duplicate_memberships"
    )
    role = models.CharField(_("role"), max_length=8, choices=MemberRole.choices, default=MemberRole.SUSPECT)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [models.UniqueConstraint(fields=["group", "applicant"], name="duplicate_member_once")]
        indexes = [models.Index(fields=["applicant"], name="duplicate_member_applicant")]

    def __str__(self) -> str:
        return f"#{self.applicant_id}"


class ScanStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class DuplicateScan(models.Model):
    """One pass over every applicant; its progress is shown in the admin while it runs."""

    trigger = models.CharField(_("started by"), max_length=40)
    status = models.CharField(_("status"), max_length=8, choices=ScanStatus.choices, default=ScanStatus.RUNNING)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    stages_done = models.PositiveSmallIntegerField(_("stages done"), default=0)
    stages_total = models.PositiveSmallIntegerField(_("stages"), default=0)
    # Per signal: pairs of (groups found, groups new); no identifiers.
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("duplicate pass")
        verbose_name_plural = _("duplicate passes")
        ordering = ("-started_at",)
        permissions = [("run_duplicatescan", _("Can start a pass for suspected duplicates"))]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.status}"
