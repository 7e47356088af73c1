"""Reads of identity verification: the dashboard's status, and the verified selfie that the
face check at every training session compares with."""

import zoneinfo
from dataclasses import asdict, dataclass

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection
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


@dataclass(frozen=True)
class RolloutProgress:
    """Where the people the rollout asked are now (counts only)."""

    requested: int  # asked at least once
    verified: int  # verified since
    in_review: int  # a selfie waiting for a verifier
    not_yet: int  # neither (of whom `tried` took a selfie that was not accepted)
    tried: int
    reminded: int  # asked more than once


_PROGRESS_SQL = """
SELECT count(*),
       count(*) FILTER (WHERE a.identity_verified_at IS NOT NULL),
       count(*) FILTER (WHERE a.identity_verified_at IS NULL AND v.review),
       count(*) FILTER (WHERE a.identity_verified_at IS NULL AND NOT coalesce(v.review, false)),
       count(*) FILTER (WHERE a.identity_verified_at IS NULL AND v.applicant_id IS NOT NULL AND NOT v.review),
       count(*) FILTER (WHERE r.notices > 1)
FROM applicants_verificationrequest AS r
JOIN applicants_applicant AS a ON a.id = r.applicant_id
LEFT JOIN (
    SELECT applicant_id, bool_or(status = 'review') AS review
    FROM applicants_identityverification GROUP BY applicant_id
) AS v ON v.applicant_id = r.applicant_id
"""
PROGRESS_CACHE_KEY = "identity-rollout-progress"
PROGRESS_CACHE_SECONDS = 60


def rollout_progress(*, fresh: bool = False) -> RolloutProgress:
    """One statement over the requests (a second or so for a million people), kept a minute in
    the cache so that reloading the admin screen does not repeat it."""
    if not fresh and (cached := cache.get(PROGRESS_CACHE_KEY)) is not None:
        return RolloutProgress(**cached)
    with connection.cursor() as cursor:
        cursor.execute(_PROGRESS_SQL)
        requested, verified, in_review, not_yet, tried, reminded = cursor.fetchone()
    progress = RolloutProgress(requested, verified, in_review, not_yet, tried, reminded)
    cache.set(PROGRESS_CACHE_KEY, asdict(progress), PROGRESS_CACHE_SECONDS)
    return progress
