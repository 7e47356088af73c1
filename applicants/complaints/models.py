"""Complaints from applicants and participants, and the PMO's complaint desk. A complaint about
a purchase or a platform carries the platform's id and the purchase's reference (no foreign
keys: those live in partners/, above this layer); the platforms' evaluation counts them."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applicants.disbursement.models import Payout
from applicants.registration.models import Applicant


def complaint_upload_path(instance: Any, filename: str) -> str:
    # Random names: nothing about the person or the complaint in the path.
    return f"private/complaints/{uuid.uuid4().hex}.jpg"


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
    payout = models.ForeignKey(
        Payout, verbose_name=_("payout"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attachment = models.FileField(_("attachment (photo)"), upload_to=complaint_upload_path, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("filed at"), default=timezone.now, editable=False)
    # The service-level target: created_at + the category's hours (COMPLAINT_SLA_HOURS).
    due_at = models.DateTimeField(_("answer due by"), null=True, blank=True)
    first_reply_at = models.DateTimeField(_("first answered at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

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
            # The desk's queue and its overdue list: unresolved complaints by due time.
            models.Index(
                fields=["due_at"],
                name="complaint_open_due_idx",
                condition=~models.Q(status="resolved"),
            ),
            models.Index(fields=["applicant", "created_at"], name="complaint_applicant_idx"),
        ]

    def __str__(self) -> str:
        return self.subject


class ComplaintMessage(models.Model):
    """A reply on a complaint: from the desk (the applicant is told) or from the applicant; an
    internal note (escalation reasons, hand-overs) is seen by staff only."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    from_staff = models.BooleanField(_("from the PMO"), default=False)
    internal = models.BooleanField(_("internal note"), default=False)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("complaint message")
        verbose_name_plural = _("complaint messages")
        ordering = ("created_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(internal=False) | models.Q(from_staff=True), name="complaint_note_from_staff"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.complaint_id} {self.created_at:%Y-%m-%d %H:%M}"
