"""Redeem codes: what a participant gives the training institution to start a paid course."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.models.catalogue import Course, LearningMethod, Schedule
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
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("redeem code")
        verbose_name_plural = _("redeem codes")
        constraints = [models.UniqueConstraint(fields=["code"], name="redeem_code_unique")]

    def __str__(self) -> str:
        return self.code
