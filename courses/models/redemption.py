"""Redeem codes: what a participant gives the training institution to start a paid course."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.models.catalogue import Course, CourseSession, LearningMethod, Schedule
from courses.models.institutions import TrainingInstitution


class RedeemCodeStatus(models.TextChoices):
    ISSUED = "issued", _("Issued, not used yet")
    USED = "used", _("Used (training started)")
    CANCELLED = "cancelled", _("Cancelled")


class RedeemCode(models.Model):
    """Single-use, unguessable, valid only at its course's institution and for its course type."""

    code = models.CharField(_("redeem code"), max_length=16)
    institution = models.ForeignKey(
        TrainingInstitution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="redeem_codes"
    )
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="redeem_codes")
    schedule = models.ForeignKey(
        Schedule, verbose_name=_("schedule"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(_("course type"), max_length=12, choices=LearningMethod.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RedeemCodeStatus.choices, default=RedeemCodeStatus.ISSUED
    )
    # What the institution sees in the protocol's answers, copied from the purchase when the
    # code is issued (the purchase lives in partners/, above this layer).
    invoice_code = models.CharField(_("invoice"), max_length=24, blank=True)
    platform_name = models.CharField(_("digital platform"), max_length=120, blank=True)
    # "transaction" when the purchase was cancelled, "code" when the code itself was.
    cancel_reason = models.CharField(_("cancelled because"), max_length=12, blank=True)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("redeem code")
        verbose_name_plural = _("redeem codes")
        constraints = [models.UniqueConstraint(fields=["code"], name="redeem_code_unique")]

    def __str__(self) -> str:
        return self.code


class Attendance(models.Model):
    """A planned session attended, as the institution committed it (commit with `sequence`)."""

    redeem_code = models.ForeignKey(RedeemCode, on_delete=models.PROTECT, related_name="attendances")
    sequence = models.PositiveSmallIntegerField(_("session"))
    # The planned session (null only for attendance recorded before courses had a plan).
    session = models.ForeignKey(
        CourseSession,
        verbose_name=_("planned session"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [models.UniqueConstraint(fields=["redeem_code", "sequence"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.redeem_code_id}#{self.sequence}"


class IntegrationCall(models.Model):
    """Every call of the integration protocol, without secrets, for the institution's log."""

    institution = models.ForeignKey(
        TrainingInstitution, on_delete=models.PROTECT, null=True, blank=True, related_name="integration_calls"
    )
    client_code = models.CharField(_("client code"), max_length=64, blank=True)
    # Where an unauthenticated call came from (one row per address a minute, not one per call).
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    endpoint = models.CharField(_("endpoint"), max_length=100)
    redeem_code = models.CharField(_("redeem code"), max_length=32, blank=True)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"))
    success = models.BooleanField(_("success"))
    message = models.CharField(_("message"), max_length=200)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("integration call")
        verbose_name_plural = _("integration calls")
        indexes = [models.Index(fields=["institution", "-created_at"], name="integration_call_recent_idx")]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.http_status}"


class PracticeFeedback(models.Model):
    """An institution's feedback on a participant's independent practice task ("tugas praktik
    mandiri"), shown on the participant's dashboard."""

    redeem_code = models.ForeignKey(RedeemCode, on_delete=models.PROTECT, related_name="feedback")
    scope = models.CharField(_("scope"), max_length=100)
    sequence = models.PositiveSmallIntegerField(_("session"))
    notes = models.TextField(_("feedback"))
    url_file = models.URLField(_("file"), max_length=500)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("practice-task feedback")
        verbose_name_plural = _("practice-task feedback")
        ordering = ("sequence", "created_at")

    def __str__(self) -> str:
        return f"{self.redeem_code_id}#{self.sequence}"


class PracticeTaskStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, waiting for assessment")
    ASSESSED = "assessed", _("Assessed")


class PracticeTask(models.Model):
    """The practice task ("tugas unjuk keterampilan") of one session for one participant: the
    institution reports it submitted (the participant's file) and then assessed (its feedback),
    both through the protocol's feedback endpoint. One row per code and session; the feedback
    history stays in PracticeFeedback."""

    redeem_code = models.ForeignKey(RedeemCode, on_delete=models.PROTECT, related_name="practice_tasks")
    session = models.ForeignKey(
        CourseSession, verbose_name=_("planned session"), on_delete=models.PROTECT, related_name="+"
    )
    sequence = models.PositiveSmallIntegerField(_("session"))
    status = models.CharField(_("status"), max_length=10, choices=PracticeTaskStatus.choices)
    url_file = models.URLField(_("submitted file"), max_length=500)
    notes = models.TextField(_("assessment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("practice task")
        verbose_name_plural = _("practice tasks")
        ordering = ("sequence",)
        constraints = [
            models.UniqueConstraint(fields=["redeem_code", "sequence"], name="practice_task_once_per_session"),
            models.CheckConstraint(
                condition=(models.Q(status="submitted") & models.Q(assessed_at__isnull=True))
                | (models.Q(status="assessed") & models.Q(assessed_at__gte=models.F("submitted_at"))),
                name="practice_task_assessed_after_submission",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.redeem_code_id}#{self.sequence}"


class AttendanceLink(models.Model):
    """A one-time URL where the participant confirms attendance of one session."""

    token_hash = models.CharField(max_length=64, unique=True)
    redeem_code = models.ForeignKey(RedeemCode, on_delete=models.PROTECT, related_name="attendance_links")
    sequence = models.PositiveSmallIntegerField(_("session"))
    redirect_uri = models.URLField(_("return address"), max_length=500)
    email = models.EmailField(_("participant's email"))
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attendance link")
        verbose_name_plural = _("attendance links")

    def __str__(self) -> str:
        return f"{self.redeem_code_id}#{self.sequence}"
