"""Complaints from applicants and participants. A complaint about a purchase or a platform
carries the platform's id and the purchase's reference (no foreign keys: those live in
partners/, above this layer); the platforms' evaluation counts them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from applicants.models.applicant import Applicant


class ComplaintCategory(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    SELECTION = "selection", _("Selection")
    PURCHASE = "purchase", _("Purchase")
    TRAINING = "training", _("Training")
    INCENTIVE = "incentive", _("Incentive")
    PLATFORM = "platform", _("Digital platform")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("Being handled")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")


class Complaint(models.Model):
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="complaints"
    )
    category = models.CharField(_("category"), max_length=12, choices=ComplaintCategory.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("complaint"))
    platform_id = models.PositiveIntegerField(_("platform"), null=True, blank=True)
    purchase_ref = models.CharField(_("purchase"), max_length=36, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN)
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ("-created_at",)
        indexes = [
            models.Index(
                fields=["platform_id", "created_at"],
                name="complaint_platform_idx",
                condition=models.Q(platform_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.subject
