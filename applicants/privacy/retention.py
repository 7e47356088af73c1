"""The retention job: people who never became participants (no card, in no unfinished wave) and
were inactive for PRIVACY_NON_PARTICIPANT_RETENTION_DAYS lose their KTP photo, their selfies
(and the descriptors of their faces, their face search index entries, and the frames of failed
session face checks), and their identity is anonymised. Participants' records back money
movements, so they are kept while the card is active and for PRIVACY_FINANCIAL_RETENTION_DAYS
after it was closed or revoked (and never while a clawback is open); then the same happens to
them, and their payout accounts' numbers are masked and holders' names cleared (the ledger,
payouts and purchases stay: they name cards and accounts, not people). Set-based: one UPDATE per
batch picks and changes the rows (the old photo paths come back with RETURNING), so a run costs
a few statements, not a query per person; idempotent: anonymised rows (`anonymised_at`) are
never picked again. What stays: the NIK and KK blind indexes and masked forms (a person cannot
register twice under one NIK), province, regency, gender, education and the dates the funnel
figures count.

Appeal evidence (photos of the KTP, the KK and a selfie sent with an appeal against a block) is
kept while the appeal is pending and for APPEAL_EVIDENCE_RETENTION_DAYS after its decision (a
complaint or a court case may ask for it); then the files are deleted and the appeal keeps its
statement and decision. An anonymised person's appeal evidence goes at the same run."""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from applicants.models import LIVE_CLAWBACK_STATUSES, UNFINISHED_WAVE_STATUSES, CardStatus, Step
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor

logger = logging.getLogger(__name__)

# Who is due: never participants inactive for the period; participants whose card ended more
# than the financial retention period ago, with no clawback open.
NEVER_PARTICIPANTS_DUE = """
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
      )"""
PARTICIPANTS_DUE = """
    SELECT a.id, a.user_id, a.ktp_photo AS old_photo
    FROM applicants_applicant a
    JOIN applicants_card c ON c.applicant_id = a.id
    WHERE a.id > %(after)s
      AND a.anonymised_at IS NULL
      AND c.status <> %(active)s
      AND COALESCE(c.closed_at, c.revoked_at) < %(financial_cutoff)s
      AND NOT EXISTS (
          SELECT 1 FROM applicants_clawback k WHERE k.card_id = c.id AND k.status = ANY(%(live_clawbacks)s)
      )
      AND NOT EXISTS (
          SELECT 1 FROM applicants_wavemember m JOIN applicants_wave w ON w.id = m.wave_id
          WHERE m.applicant_id = a.id AND w.status = ANY(%(unfinished)s)
      )"""


ANONYMISE_UPDATE = """UPDATE applicants_applicant a
SET ktp_photo = '', ktp_phash = NULL, full_name = '', address = '', phone = '', phone_verified_at = NULL,
    nik_encrypted = NULL, kk_encrypted = NULL, birth_date = NULL, review_reason = '',
    step = CASE WHEN a.step = %(verify_email)s THEN a.step ELSE %(identity)s END,
    anonymised_at = %(now)s, updated_at = %(now)s
FROM due
WHERE a.id = due.id
RETURNING a.id, a.user_id, due.old_photo
"""


def anonymise_batch_sql(due: str) -> str:
    """One statement picks a batch of due people and anonymises them. The CTE keeps the old
    photo path, which the UPDATE's RETURNING hands back so the files can be deleted after commit."""
    batch = "\n    ORDER BY a.id\n    LIMIT %(batch)s\n    FOR UPDATE OF a SKIP LOCKED\n"
    return f"WITH due AS ({due}{batch})\n{ANONYMISE_UPDATE}"


# Their selfies (identity verification) and the descriptors of their faces go with the KTP
# photo; the rows stay (status, scores, the registry's references: the record of the check).
# The file paths come back so the files are deleted after commit.
CLEAR_SELFIES = """
WITH old AS (
    SELECT id, selfie FROM applicants_identityverification
    WHERE applicant_id = ANY(%(ids)s) AND (selfie <> '' OR descriptor_encrypted IS NOT NULL)
    FOR UPDATE
)
UPDATE applicants_identityverification v
SET selfie = '', descriptor_encrypted = NULL
FROM old WHERE v.id = old.id
RETURNING old.selfie
"""
# Their faces' keys in the face search index (derived biometric data) go with the descriptors.
DELETE_FACE_INDEX = "DELETE FROM applicants_faceindexentry WHERE applicant_id = ANY(%(ids)s)"
# The live frames kept of their failed face checks at training sessions.
CLEAR_FACE_CHECK_FRAMES = """
WITH old AS (
    SELECT id, frame FROM courses_attendancefacecheck
    WHERE applicant_id = ANY(%(ids)s) AND frame <> ''
    FOR UPDATE
)
UPDATE courses_attendancefacecheck f SET frame = '' FROM old WHERE f.id = old.id
RETURNING old.frame
"""
CLEAR_BIRTH_PLACES = "UPDATE applicants_applicant SET birth_place = '' WHERE id = ANY(%(ids)s) AND birth_place <> ''"
CLEAR_USER_NAMES = "UPDATE accounts_user SET full_name = '' WHERE id = ANY(%(ids)s) AND full_name <> ''"
# A participant's payout accounts: the holder's name cleared, the number masked but its last four.
MASK_PAYOUT_ACCOUNTS = """
UPDATE applicants_payoutaccount
SET holder_name = '',
    account_number = repeat('*', greatest(length(account_number) - 4, 0)) || right(account_number, 4)
WHERE applicant_id = ANY(%(ids)s) AND holder_name <> ''
"""
MASK_PAYOUTS = """
UPDATE applicants_payout p
SET account_number = repeat('*', greatest(length(p.account_number) - 4, 0)) || right(p.account_number, 4)
FROM applicants_payoutaccount pa
WHERE p.payout_account_id = pa.id AND pa.applicant_id = ANY(%(ids)s) AND p.account_number NOT LIKE '*%%'
"""


APPEAL_EVIDENCE_EXPIRE = """
WITH due AS (
    SELECT p.id, p.ktp_photo, p.kk_photo, p.selfie
    FROM applicants_appeal p
    JOIN applicants_applicant a ON a.id = p.applicant_id
    WHERE p.evidence_deleted_at IS NULL
      AND (
        (p.status <> 'pending' AND p.decided_at < %(evidence_cutoff)s)
        OR a.anonymised_at IS NOT NULL
      )
    ORDER BY p.id
    LIMIT %(batch)s
    FOR UPDATE OF p SKIP LOCKED
)
UPDATE applicants_appeal p
SET ktp_photo = '', kk_photo = '', selfie = '', evidence_deleted_at = %(now)s
FROM due WHERE p.id = due.id
RETURNING due.ktp_photo, due.kk_photo, due.selfie
"""


@dataclass(frozen=True)
class RetentionResult:
    anonymised: int  # never participants
    photos_deleted: int
    batches: int
    participants_anonymised: int = 0
    appeal_evidence_deleted: int = 0  # appeals whose photos were deleted


def _expire_appeal_evidence(params: dict[str, Any], *, delete_files: bool) -> int:
    expired = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(APPEAL_EVIDENCE_EXPIRE, params)
            rows = cursor.fetchall()
        expired += len(rows)
        if delete_files:
            _delete_files([path for row in rows for path in row if path])
        if len(rows) < params["batch"]:
            return expired


def _delete_files(paths: list[str]) -> None:
    for path in paths:
        try:
            default_storage.delete(path)
        except OSError:
            # The row no longer names it; the storage's own clean-up is the fallback.
            logger.warning("retention: could not delete a KTP photo or selfie from storage")


def _anonymise(due: str, params: dict[str, Any], *, participants: bool, delete_files: bool) -> RetentionResult:
    """Every due person of one kind, batch by batch (each batch its own transaction)."""
    sql = anonymise_batch_sql(due)
    size = params["batch"]
    params = {**params, "after": 0}
    anonymised = photos = batches = 0
    while True:
        face_files: list[str] = []
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            if rows:
                ids = {"ids": [user_id for _, user_id, _ in rows]}
                cursor.execute(CLEAR_USER_NAMES, ids)
                applicant_ids = {"ids": [pk for pk, _, _ in rows]}
                cursor.execute(CLEAR_BIRTH_PLACES, applicant_ids)
                cursor.execute(CLEAR_SELFIES, applicant_ids)
                face_files += [path for (path,) in cursor.fetchall() if path]
                cursor.execute(DELETE_FACE_INDEX, applicant_ids)
                cursor.execute(CLEAR_FACE_CHECK_FRAMES, applicant_ids)
                face_files += [path for (path,) in cursor.fetchall() if path]
                if participants:
                    cursor.execute(MASK_PAYOUTS, applicant_ids)
                    cursor.execute(MASK_PAYOUT_ACCOUNTS, applicant_ids)
        if not rows:
            break
        batches += 1
        anonymised += len(rows)
        # Keyset: the next batch starts after this one, so no batch rescans the rows before it.
        params["after"] = max(pk for pk, _, _ in rows)
        paths = [path for _, _, path in rows if path]
        photos += len(paths)
        if delete_files:
            _delete_files(paths + face_files)
        if len(rows) < size:
            break
    return RetentionResult(anonymised=anonymised, photos_deleted=photos, batches=batches)


def retention_run(
    *, now: dt.datetime | None = None, batch: int | None = None, delete_files: bool = True
) -> RetentionResult:
    """Anonymise every due never-participant, then every due participant, then record one audit
    event with the counts (no personal data)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PRIVACY_NON_PARTICIPANT_RETENTION_DAYS)
    financial_cutoff = now - dt.timedelta(days=settings.PRIVACY_FINANCIAL_RETENTION_DAYS)
    params: dict[str, Any] = {
        "cutoff": cutoff,
        "financial_cutoff": financial_cutoff,
        "now": now,
        "batch": batch or settings.PRIVACY_RETENTION_BATCH,
        "unfinished": [str(status) for status in UNFINISHED_WAVE_STATUSES],
        "active": CardStatus.ACTIVE.value,
        "live_clawbacks": [str(status) for status in LIVE_CLAWBACK_STATUSES],
        "verify_email": Step.VERIFY_EMAIL.value,
        "identity": Step.IDENTITY.value,
    }
    never = _anonymise(NEVER_PARTICIPANTS_DUE, params, participants=False, delete_files=delete_files)
    former = _anonymise(PARTICIPANTS_DUE, params, participants=True, delete_files=delete_files)
    params["evidence_cutoff"] = now - dt.timedelta(days=settings.APPEAL_EVIDENCE_RETENTION_DAYS)
    appeals = _expire_appeal_evidence(params, delete_files=delete_files)
    with transaction.atomic():
        audit_record(
            actor=Actor.system("batch.privacy_retention"),
            action="privacy.retention_run",
            payload={
                "anonymised": never.anonymised,
                "participants_anonymised": former.anonymised,
                "ktp_photos_deleted": never.photos_deleted + former.photos_deleted,
                "batches": never.batches + former.batches,
                "appeal_evidence_deleted": appeals,
                "cutoff": cutoff.isoformat(),
                "financial_cutoff": financial_cutoff.isoformat(),
            },
        )
    return RetentionResult(
        anonymised=never.anonymised,
        photos_deleted=never.photos_deleted + former.photos_deleted,
        batches=never.batches + former.batches,
        participants_anonymised=former.anonymised,
        appeal_evidence_deleted=appeals,
    )
