"""Identity verification against the civil registry: one row per try (a selfie, or a burst of
frames from the camera), with the registry's answers, scores and references, and, when the
answers disagree, the verifiers' decision."""

import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from applicants.registration.models import Applicant


def selfie_upload_path(instance: Any, filename: str) -> str:
    # Random name; the content is encrypted (prakerja.core.crypto.encrypt_bytes).
    return f"private/selfie/{uuid.uuid4().hex}.bin"


class VerificationStatus(models.TextChoices):
    VERIFIED = "verified", _("Verified")
    RETAKE = "retake", _("Photo to retake")
    REVIEW = "review", _("Waiting for a verifier")
    APPROVED = "approved", _("Approved by a verifier")
    REJECTED = "rejected", _("Rejected by a verifier")


# The statuses after which a person's identity counts as verified.
VERIFIED_STATUSES = (VerificationStatus.VERIFIED, VerificationStatus.APPROVED)


class VerificationSource(models.TextChoices):
    CAMERA = "camera", _("Camera (burst with liveness)")
    UPLOAD = "upload", _("Uploaded photo (no liveness)")


class ReviewReason(models.TextChoices):
    NOT_FOUND = "not_found", _("NIK not found in the civil registry")
    DATA_MISMATCH = "data_mismatch", _("Data differs from the civil registry")
    FACE_MISMATCH = "face_mismatch", _("Face does not match the registry's photo")
    NO_REFERENCE = "no_reference", _("The registry has no photo")
    NO_LIVENESS = "no_liveness", _("Uploaded photo: liveness not checked")


class IdentityVerification(models.Model):
    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="identity_verifications")
    # Our per-call reference, sent to the registry as its transaction id.
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=VerificationStatus.choices)
    source = models.CharField(_("source"), max_length=8, choices=VerificationSource.choices)
    review_reasons = models.JSONField(_("review reasons"), default=list, blank=True)
    # The registry's answers: {"found": bool, "fields": {"full_name": {"matched": bool, "score": 97}, ...}}
    data_match = models.JSONField(_("data match"), default=dict, blank=True)
    face_score = models.FloatField(_("face similarity (0-100)"), null=True, blank=True)
    face_problem = models.CharField(_("photo problem"), max_length=16, blank=True)
    live = models.BooleanField(_("live"), null=True)
    liveness_reason = models.CharField(_("liveness problem"), max_length=16, blank=True)
    # {"data": "...", "face": "...", "liveness": "..."}: the registry's reference of each call.
    provider_references = models.JSONField(_("registry references"), default=dict, blank=True)
    # The selfie (JPEG, encrypted) and its face descriptor (encrypted), kept for the face check
    # at every training session; removed by the retention job with the KTP photo.
    selfie = models.FileField(_("selfie"), upload_to=selfie_upload_path, blank=True)
    descriptor_encrypted = models.BinaryField(null=True, editable=False)
    created_at = models.DateTimeField(_("taken at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("verifier's note"), blank=True)

    class Meta:
        verbose_name = _("identity verification")
        verbose_name_plural = _("identity verifications")
        indexes = [
            # The verifiers' queue, oldest first, and each applicant's tries of the day.
            models.Index(
                fields=["created_at", "id"],
                name="identityverif_queue",
                condition=models.Q(status=VerificationStatus.REVIEW),
            ),
            models.Index(fields=["applicant", "created_at"], name="identityverif_applicant"),
        ]

    def __str__(self) -> str:
        return self.reference


class RolloutStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class VerificationRollout(models.Model):
    """One pass asking the applicants who registered before the selfie journey existed (past the
    identity step, never verified) to verify their identity. Applicants are taken in id order, a
    batch per transaction; `last_applicant_id` is committed with each batch's notices, so a pass
    killed at any point goes on from there (applicants.verification.rollout)."""

    trigger = models.CharField(_("started by"), max_length=40)
    status = models.CharField(_("status"), max_length=8, choices=RolloutStatus.choices, default=RolloutStatus.RUNNING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The highest applicant id when the pass started (people registering later meet the
    # selfie on their own dashboard), and how far the pass has come.
    until_applicant_id = models.BigIntegerField(_("last applicant id to examine"), default=0)
    last_applicant_id = models.BigIntegerField(_("examined up to applicant id"), default=0)
    batches = models.PositiveIntegerField(_("batches done"), default=0)
    # Counts only, never who.
    requested = models.PositiveIntegerField(_("first requests sent"), default=0)
    reminded = models.PositiveIntegerField(_("reminders sent"), default=0)
    emails = models.PositiveIntegerField(_("emails written"), default=0)
    sms = models.PositiveIntegerField(_("SMS written"), default=0)

    class Meta:
        verbose_name = _("identity verification rollout")
        verbose_name_plural = _("identity verification rollouts")
        ordering = ("-started_at",)
        permissions = [("run_verificationrollout", _("Can start the identity verification rollout"))]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="running"), name="verificationrollout_one_running"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.status}"


class VerificationRequest(models.Model):
    """The applicant was asked (by email and SMS) to verify their identity with a selfie: once,
    then reminded at most every IDENTITY_ROLLOUT_REMIND_AFTER_DAYS, IDENTITY_ROLLOUT_MAX_NOTICES
    times in all. One row per person: the rollout's idempotency."""

    applicant = models.OneToOneField(
        Applicant, on_delete=models.CASCADE, primary_key=True, related_name="verification_request"
    )
    first_notified_at = models.DateTimeField(_("first asked at"))
    last_notified_at = models.DateTimeField(_("last asked at"))
    notices = models.PositiveSmallIntegerField(_("notices sent"), default=1)
    rollout = models.ForeignKey(VerificationRollout, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("identity verification request")
        verbose_name_plural = _("identity verification requests")

    def __str__(self) -> str:
        return f"applicant #{self.applicant_id}: {self.notices}"


class FaceIndexEntry(models.Model):
    """The search keys of an applicant's verified face (`prakerja.identity.face_index`: one
    number per LSH table, the table and its code), so that the session face check finds the other
    accounts with this face among millions (`applicants/verification/face_index.py`). Written
    when a face becomes verified, replaced by a newer verified face, deleted when the person is
    erased or no longer verified. Derived biometric data: see docs/architecture.md."""

    applicant = models.OneToOneField(Applicant, on_delete=models.CASCADE, primary_key=True, related_name="+")
    # The hyperplanes' version the keys were computed with (face_index.VERSION).
    version = models.PositiveSmallIntegerField()
    keys = ArrayField(models.IntegerField())

    class Meta:
        verbose_name = _("face index entry")
        verbose_name_plural = _("face index entries")
        indexes = [GinIndex(fields=["keys"], name="faceindex_keys")]

    def __str__(self) -> str:
        return f"face index entry {self.pk}"
