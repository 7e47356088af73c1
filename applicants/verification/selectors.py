"""Reads of identity verification: the dashboard's status, and the verified selfie that the
face check at every training session compares with."""

import zoneinfo
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from applicants.models import VERIFIED_STATUSES, Applicant, IdentityVerification, VerificationStatus
from applicants.verification.notices import retake_advice
from prakerja.core.crypto import decrypt_bytes
from prakerja.core.uploads import private_file_token
from prakerja.identity import faces

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")


def tries_today(applicant: Applicant) -> int:
    """Selfies taken since midnight in Jakarta."""
    start = timezone.now().astimezone(JAKARTA).replace(hour=0, minute=0, second=0, microsecond=0)
    return IdentityVerification.objects.filter(applicant=applicant, created_at__gte=start).count()


@dataclass(frozen=True)
class VerificationState:
    state: str  # unverified, retake, review, rejected, verified
    advice: str = ""
    tries_left: int = 0
    note: str = ""


def verification_state(applicant: Applicant) -> VerificationState:
    """Where this applicant is with the selfie, in one query (none once verified)."""
    if applicant.identity_verified_at is not None:
        return VerificationState("verified")
    latest = IdentityVerification.objects.filter(applicant=applicant).order_by("-created_at").first()
    left = (
        max(settings.IDENTITY_SELFIE_TRIES_PER_DAY - tries_today(applicant), 0)
        if latest
        else (settings.IDENTITY_SELFIE_TRIES_PER_DAY)
    )
    if latest is None:
        return VerificationState("unverified", tries_left=left)
    if latest.status == VerificationStatus.REVIEW:
        return VerificationState("review")
    if latest.status == VerificationStatus.REJECTED:
        return VerificationState("rejected", note=latest.decision_note, tries_left=left)
    if latest.status == VerificationStatus.RETAKE:
        return VerificationState(
            "retake", advice=retake_advice(latest.face_problem or latest.liveness_reason), tries_left=left
        )
    return VerificationState("verified")


def verified_face(applicant_id: int) -> np.ndarray | None:
    """The face descriptor of the applicant's verified selfie (the newest), or None."""
    row = (
        IdentityVerification.objects.filter(
            applicant_id=applicant_id, status__in=VERIFIED_STATUSES, descriptor_encrypted__isnull=False
        )
        .order_by("-created_at")
        .values_list("descriptor_encrypted", flat=True)
        .first()
    )
    return faces.descriptor_from(decrypt_bytes(row)) if row is not None else None


def selfie_url(*, verification: IdentityVerification) -> str:
    """A signed, expiring link to a selfie (decrypted when served)."""
    return reverse("applicants:selfie-photo", args=[private_file_token(kind="selfie", pk=verification.pk)])


def verified_faces(applicant_ids: list[int]) -> dict[int, np.ndarray]:
    """The verified selfies' face descriptors of these applicants (the newest each)."""
    rows = (
        IdentityVerification.objects.filter(
            applicant_id__in=applicant_ids, status__in=VERIFIED_STATUSES, descriptor_encrypted__isnull=False
        )
        .order_by("applicant_id", "-created_at")
        .distinct("applicant_id")
        .values_list("applicant_id", "descriptor_encrypted")
    )
    return {applicant_id: faces.descriptor_from(decrypt_bytes(token)) for applicant_id, token in rows if token}
