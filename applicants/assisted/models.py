"""Assisted registration: staff of a regional labour office (or a ministry's regional unit)
register a person who has no internet access, alone or a group from a CSV file, with the
person's consent recorded and the codes sent to the person's own phone. Officers act only in
their own province; everything they do is audited and shown to the person on the dashboard."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applicants.registration.models import Applicant, Province


class StaffRegion(models.Model):
    """The province a regional officer works in (set by a PMO administrator)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.CASCADE, related_name="staff_region"
    )
    province = models.ForeignKey(Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+")
    office = models.CharField(_("office"), max_length=120, help_text=_("e.g. Disnaker Kota Bandung"))

    class Meta:
        verbose_name = _("regional officer's area")
        verbose_name_plural = _("regional officers' areas")

    def __str__(self) -> str:
        return f"{self.office} ({self.province_id})"


def batch_file_path(instance: Any, filename: str) -> str:
    return f"private/assisted/{uuid.uuid4().hex}.csv"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Registering")
    DONE = "done", _("Done")


class AssistedBatch(models.Model):
    """A group registered from a CSV file (one row per person), worked by a task with progress."""

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.PROTECT)
    province = models.ForeignKey(Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("CSV file"), upload_to=batch_file_path)
    status = models.CharField(_("status"), max_length=8, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows processed"), default=0)
    registered = models.PositiveIntegerField(_("registered"), default=0)
    # Row number and message only: never the row's NIK, name or number.
    problems = models.JSONField(_("rows refused"), default=list, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assisted group registration")
        verbose_name_plural = _("assisted group registrations")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"batch {self.pk}"


class AssistedStatus(models.TextChoices):
    AWAITING_CODE = "awaiting_code", _("Waiting for the code sent to the person's phone")
    COMPLETED = "completed", _("Phone confirmed; the person sets a password by email")


class AssistedRegistration(models.Model):
    applicant = models.OneToOneField(
        Applicant, verbose_name=_("applicant"), on_delete=models.CASCADE, related_name="assisted_registration"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="+"
    )
    office = models.CharField(_("office"), max_length=120)
    province = models.ForeignKey(Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(
        AssistedBatch, verbose_name=_("group"), on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    # How the person consented (e.g. the signed paper form's number): recorded by the officer.
    consent_reference = models.CharField(_("consent form reference"), max_length=64)
    consent_recorded_at = models.DateTimeField(_("consent recorded at"))
    status = models.CharField(
        _("status"), max_length=14, choices=AssistedStatus.choices, default=AssistedStatus.AWAITING_CODE
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assisted registration")
        verbose_name_plural = _("assisted registrations")
        ordering = ("-created_at",)
        permissions = [("assist_registration", _("Can register people on their behalf in own province"))]
        indexes = [models.Index(fields=["province", "status"], name="assisted_by_province")]

    def __str__(self) -> str:
        return f"assisted registration {self.pk}"
