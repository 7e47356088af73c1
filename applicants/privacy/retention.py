"""The retention job: people who never became participants (no card, in no unfinished wave) and
were inactive for PRIVACY_NON_PARTICIPANT_RETENTION_DAYS lose their KTP photo, and their
identity is anonymised. Set-based: one UPDATE per batch picks and changes the rows (the old
photo paths come back with RETURNING), so a run costs a few statements, not a query per person;
idempotent: anonymised rows (`anonymised_at`) are never picked again. What stays: the NIK and
KK blind indexes and masked forms (a person cannot register twice under one NIK), province,
regency, gender, education and the dates the funnel figures count."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from applicants.models import UNFINISHED_WAVE_STATUSES, Step
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor

logger = logging.getLogger(__name__)

# One statement picks a batch of due people and anonymises them. The CTE keeps the old photo
# path, which the UPDATE's RETURNING hands back so the files can be deleted after commit.
ANONYMISE_BATCH = """
WITH due AS (
    SELECT a.id, a.user_id, a.ktp_photo AS old_photo
    FROM applicants_applicant a
    JOIN accounts_user u ON u.id = a.user_id
    WHERE a.id > %(after)s
      AND a.anonymised_at IS NULL
      AND a.created_at < %(cutoff)s
      AND COALESCE(u.last_login, u.date_joined) < %(cutoff)s
      AND NOT EXISTS (SELECT 1 FROM applicants_card c WHERE c.applicant_id = a.id)
      AND NOT EXISTS (
          SELECT 1 FROM applicants_wavemember m JOIN applicants_wave w ON w.id = m.wave_id
          WHERE m.applicant_id = a.id AND w.status = ANY(%(unfinished)s)
      )
    ORDER BY a.id
    LIMIT %(batch)s
    FOR UPDATE OF a SKIP LOCKED
)
UPDATE applicants_applicant a
SET ktp_photo = '', full_name = '', address = '', phone = '', phone_verified_at = NULL,
    nik_encrypted = NULL, kk_encrypted = NULL, birth_date = NULL, review_reason = '',
    step = CASE WHEN a.step = %(verify_email)s THEN a.step ELSE %(identity)s END,
    anonymised_at = %(now)s, updated_at = %(now)s
FROM due
WHERE a.id = due.id
RETURNING a.id, a.user_id, due.old_photo
"""

CLEAR_USER_NAMES = "UPDATE accounts_user SET full_name = '' WHERE id = ANY(%(ids)s) AND full_name <> ''"


@dataclass(frozen=True)
class RetentionResult:
    anonymised: int
    photos_deleted: int
    batches: int


def _delete_files(paths: list[str]) -> None:
    for path in paths:
        try:
            default_storage.delete(path)
        except OSError:
            # The row no longer names it; the storage's own clean-up is the fallback.
            logger.warning("retention: could not delete a KTP photo from storage")


def retention_run(
    *, now: dt.datetime | None = None, batch: int | None = None, delete_files: bool = True
) -> RetentionResult:
    """Anonymise every due person, batch by batch (each batch its own transaction), then record
    one audit event with the counts (no personal data)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PRIVACY_NON_PARTICIPANT_RETENTION_DAYS)
    size = batch or settings.PRIVACY_RETENTION_BATCH
    params = {
        "cutoff": cutoff,
        "now": now,
        "batch": size,
        "unfinished": [str(status) for status in UNFINISHED_WAVE_STATUSES],
        "verify_email": Step.VERIFY_EMAIL.value,
        "identity": Step.IDENTITY.value,
        "after": 0,
    }
    anonymised = photos = batches = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(ANONYMISE_BATCH, params)
            rows = cursor.fetchall()
            if rows:
                cursor.execute(CLEAR_USER_NAMES, {"ids": [user_id for _, user_id, _ in rows]})
        if not rows:
            break
        batches += 1
        anonymised += len(rows)
        # Keyset: the next batch starts after this one, so no batch rescans the rows before it.
        params["after"] = max(pk for pk, _, _ in rows)
        paths = [path for _, _, path in rows if path]
        photos += len(paths)
        if delete_files:
            _delete_files(paths)
        if len(rows) < size:
            break
    with transaction.atomic():
        audit_record(
            actor=Actor.system("batch.privacy_retention"),
            action="privacy.retention_run",
            payload={
                "anonymised": anonymised,
                "ktp_photos_deleted": photos,
                "batches": batches,
                "cutoff": cutoff.isoformat(),
            },
        )
    return RetentionResult(anonymised=anonymised, photos_deleted=photos, batches=batches)
