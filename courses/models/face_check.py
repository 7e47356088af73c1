"""The face check at every training session: before attendance is recorded through the
institution's attendance link, the participant's live burst is matched with their verified
selfie and checked for liveness (a blink). Repeated failures and a face that matches another
participant's (possible "joki", someone attending for others) wait for a verifier."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applicants.models import Applicant
from courses.models.redemption import AttendanceLink


def face_check_upload_path(instance: Any, filename: str) -> str:
    return f"private/face-check/{uuid.uuid4().hex}.bin"


class FaceCheckOutcome(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class FaceCheckReview(models.TextChoices):
    NONE = "none", _("No review needed")
    PENDING = "pending", _("Waiting for a verifier")
    CLEARED = "cleared", _("Cleared: the participant attended")
    CONFIRMED = "confirmed", _("Confirmed: someone else attended")


class FaceCheckReviewReason(models.TextChoices):
    REPEATED_FAILURES = "repeated_failures", _("Repeated failed face checks")
    OTHER_PARTICIPANT = "other_participant", _("The face matches another participant (possible joki)")


class AttendanceFaceCheck(models.Model):
    link = models.ForeignKey(AttendanceLink, on_delete=models.PROTECT, related_name="face_checks")
    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=8, choices=FaceCheckOutcome.choices)
    # "" when passed; else no_verified_selfie, a liveness reason (no_blink...), a photo problem,
    # face_mismatch or other_participant.
    reason = models.CharField(_("why it failed"), max_length=20, blank=True)
    score = models.FloatField(_("similarity to the verified selfie (0-100)"), null=True, blank=True)
    # The other participant whose verified face this one matched.
    matched_applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The live frame, kept (encrypted) only for failed checks a verifier may need to see.
    frame = models.FileField(_("live frame"), upload_to=face_check_upload_path, blank=True)
    review_status = models.CharField(
        _("review"), max_length=10, choices=FaceCheckReview.choices, default=FaceCheckReview.NONE
    )
    review_reason = models.CharField(
        _("review reason"), max_length=20, choices=FaceCheckReviewReason.choices, blank=True
    )
    # The queued job's reference (prakerja.identity FaceJob): a second run of the job finds
    # this check instead of counting another failure. Blank for checks made before the queue.
    reference = models.CharField(_("reference"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("checked at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("verifier's note"), blank=True)

    class Meta:
        verbose_name = _("session face check")
        verbose_name_plural = _("session face checks")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="facecheck_review_queue",
                condition=models.Q(review_status="pending"),
            ),
            models.Index(fields=["link", "outcome"], name="facecheck_link_outcome"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"], condition=~models.Q(reference=""), name="facecheck_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.link_id}: {self.outcome}"
