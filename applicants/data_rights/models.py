"""Personal data rights: an applicant's requests to download what the portal holds about them
(access). The file is private (random name, served by a signed link bound to its owner)."""

import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applicants.registration.models import Applicant


def access_export_path(instance: Any, filename: str) -> str:
    # Random names: nothing about the person in the path.
    return f"private/data_rights/{uuid.uuid4().hex}.zip"


class AccessStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready to download")
    EXPIRED = "expired", _("Expired")


class AccessRequest(models.Model):
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("applicant"), on_delete=models.CASCADE, related_name="access_requests"
    )
    status = models.CharField(_("status"), max_length=10, choices=AccessStatus.choices, default=AccessStatus.PENDING)
    export = models.FileField(_("export file"), upload_to=access_export_path, blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    downloaded_at = models.DateTimeField(_("last downloaded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal data access request")
        verbose_name_plural = _("personal data access requests")
        ordering = ("-requested_at",)
        constraints = [
            # One request being prepared at a time per applicant (the rate limit, in the database).
            models.UniqueConstraint(
                fields=["applicant"],
                condition=models.Q(status="pending"),
                name="accessrequest_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"access request {self.pk}"


def correction_evidence_path(instance: Any, filename: str) -> str:
    return f"private/data_rights/{uuid.uuid4().hex}.jpg"


class CorrectableField(models.TextChoices):
    """The identity fields a wave change freezes (applicants.registration.services.identity):
    after that, they change only through a correction a verifier approves."""

    FULL_NAME = "full_name", _("Full name (as on the ID card)")
    BIRTH_DATE = "birth_date", _("Birth date")
    GENDER = "gender", _("Gender")
    NIK = "nik", _("NIK (ID card number)")
    KK = "kk", _("Family card (KK) number")


# Identifiers: the request keeps the new number encrypted (and masked for display) until it is
# decided, then only the masked form.
IDENTIFIER_FIELDS = frozenset({CorrectableField.NIK, CorrectableField.KK})


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a verifier")
    APPROVED = "approved", _("Approved and applied")
    REJECTED = "rejected", _("Rejected")


class CorrectionRequest(models.Model):
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("applicant"), on_delete=models.CASCADE, related_name="correction_requests"
    )
    field = models.CharField(_("field to correct"), max_length=12, choices=CorrectableField.choices)
    value = models.CharField(_("correct value"), max_length=150)  # masked for a NIK or KK number
    value_encrypted = models.BinaryField(_("correct number (encrypted)"), null=True, editable=False)
    explanation = models.TextField(_("explanation"))
    evidence = models.FileField(_("evidence (photo)"), upload_to=correction_evidence_path)
    status = models.CharField(
        _("status"), max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        verbose_name = _("data correction request")
        verbose_name_plural = _("data correction requests")
        ordering = ("requested_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "field"],
                condition=models.Q(status="pending"),
                name="correctionrequest_one_pending_per_field",
            ),
        ]

    def __str__(self) -> str:
        return f"correction request {self.pk}"


class RestrictionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a verifier")
    GRANTED = "granted", _("Granted: your data serve only the programme's duties")
    REFUSED = "refused", _("Refused")


class RestrictionRequest(models.Model):
    """A participant (with a card: records backing money movements are kept for the retention
    period) asks that their data be used no further than those duties need. A verifier grants
    or refuses it with a reason; a granted one sets `Applicant.processing_restricted_at`."""

    applicant = models.ForeignKey(
        Applicant, verbose_name=_("applicant"), on_delete=models.CASCADE, related_name="restriction_requests"
    )
    reason = models.TextField(_("reason"), blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=RestrictionStatus.choices, default=RestrictionStatus.PENDING
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        verbose_name = _("processing restriction request")
        verbose_name_plural = _("processing restriction requests")
        ordering = ("-requested_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["applicant"], condition=models.Q(status="pending"), name="restrictionrequest_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"restriction request {self.pk}"


class BreachNotification(models.Model):
    """A data set that leaked (e.g. an export), described by who is in it, and the notice sent
    to the people affected (staff with `notify_breach`, through messaging, audited with counts)."""

    description = models.TextField(_("what leaked (internal)"))
    wave = models.ForeignKey(
        "applicants.Wave", verbose_name=_("wave"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    province = models.ForeignKey(
        "applicants.Province",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    applicant_ids = ArrayField(models.PositiveIntegerField(), verbose_name=_("applicant ids"), default=list, blank=True)
    subject = models.CharField(_("email subject"), max_length=200)
    body = models.TextField(_("email text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    notified_count = models.PositiveIntegerField(_("people notified"), default=0)

    class Meta:
        verbose_name = _("breach notification")
        verbose_name_plural = _("breach notifications")
        ordering = ("-created_at",)
        permissions = [("notify_breach", _("Can notify the people affected by a data breach"))]

    def __str__(self) -> str:
        return f"breach notification {self.pk}"
