"""Personal data rights: an applicant's requests to download what the portal holds about them
(access). The file is private (random name, served by a signed link bound to its owner)."""

import uuid
from typing import Any

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
