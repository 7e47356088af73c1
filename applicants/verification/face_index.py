"""The programme-wide search of verified faces (issue 22: one person attending for several
accounts, a "joki", across institutions and months).

Every verified face has one `FaceIndexEntry`: its LSH keys (`prakerja.identity.face_index`, one
per table). A search computes the live face's keys, takes the applicants whose entry shares at
least one (one GIN index lookup per key), and compares the live face exactly (dlib's distance)
with those candidates' verified descriptors only, decrypted for the comparison. At a million
faces that is some hundreds of candidates instead of a million (docs/benchmarks.md).

Writes: `identity_verify` (a selfie verified) and `identity_review_decide` (a verifier's
approval) put the face; the retention job and the deletion of an account remove it
(`face_index_remove`); `manage.py face_index_backfill` indexes faces verified before the index.
"""

import logging
from collections.abc import Iterable

import numpy as np
from django.db import connection, transaction

from applicants.models import Applicant, FaceIndexEntry
from applicants.verification.selectors import verified_faces
from prakerja.identity import face_index, faces

logger = logging.getLogger(__name__)

# Candidates compared at most per search: at a million evenly spread faces a search has about
# 5,700 (docs/benchmarks.md); real faces, less evenly spread, have more. Reaching it is logged.
MAX_CANDIDATES = 20_000


def face_index_put(*, applicant_id: int, descriptor: np.ndarray) -> None:
    """Index (or re-index, with a newer verified face) the applicant's verified face."""
    FaceIndexEntry.objects.update_or_create(
        applicant_id=applicant_id,
        defaults={"version": face_index.VERSION, "keys": face_index.keys(descriptor)},
    )


def face_index_remove(*, applicant_ids: Iterable[int]) -> int:
    """The faces of these applicants leave the index (erased, or no longer verified)."""
    deleted, _ = FaceIndexEntry.objects.filter(applicant_id__in=list(applicant_ids)).delete()
    return deleted


def face_index_candidates(descriptor: np.ndarray, *, exclude: int | None = None) -> list[int]:
    """The applicants whose verified face shares a code with this face in some table."""
    found = FaceIndexEntry.objects.filter(keys__overlap=face_index.keys(descriptor), version=face_index.VERSION)
    if exclude is not None:
        found = found.exclude(applicant_id=exclude)
    with transaction.atomic(), connection.cursor() as cursor:
        # PostgreSQL estimates an overlap with TABLES rare numbers as matching most rows and would
        # scan the table, comparing every array (seconds); each number is in a handful of rows,
        # which the GIN index finds in milliseconds. For this statement only (SET LOCAL).
        cursor.execute("SET LOCAL enable_seqscan = off")
        candidates = list(found.values_list("applicant_id", flat=True)[: MAX_CANDIDATES + 1])
    if len(candidates) > MAX_CANDIDATES:
        logger.warning("face index: a search met more than %d candidates; only that many compared", MAX_CANDIDATES)
        candidates = candidates[:MAX_CANDIDATES]
    return candidates


def face_index_match(descriptor: np.ndarray, *, exclude: int | None = None) -> int | None:
    """The other applicant whose verified face is this face (`faces.same_person`), the closest
    if several, or None."""
    best: tuple[float, int] | None = None
    for applicant_id, face in verified_faces(face_index_candidates(descriptor, exclude=exclude)).items():
        if faces.same_person(descriptor, face):
            distance = faces.distance(descriptor, face)
            if best is None or distance < best[0]:
                best = (distance, applicant_id)
    return best[1] if best is not None else None


def face_index_backfill(*, batch: int = 1000, rebuild: bool = False) -> int:
    """Index the verified faces that have no entry of the current version (all of them with
    `rebuild`), in batches of applicants, each batch its own transaction. Returns the faces indexed."""
    indexed, after = 0, 0
    while True:
        ids = list(
            Applicant.objects.filter(pk__gt=after, identity_verified_at__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return indexed
        after = ids[-1]
        if not rebuild:
            done = set(
                FaceIndexEntry.objects.filter(applicant_id__in=ids, version=face_index.VERSION).values_list(
                    "applicant_id", flat=True
                )
            )
            ids = [pk for pk in ids if pk not in done]
        descriptors = verified_faces(ids) if ids else {}
        if descriptors:
            owners = list(descriptors)
            keys = face_index.keys_many(np.stack([descriptors[pk] for pk in owners]))
            rows = [
                FaceIndexEntry(applicant_id=pk, version=face_index.VERSION, keys=[int(k) for k in row])
                for pk, row in zip(owners, keys, strict=True)
            ]
            with transaction.atomic():
                FaceIndexEntry.objects.bulk_create(
                    rows, update_conflicts=True, unique_fields=["applicant"], update_fields=["version", "keys"]
                )
            indexed += len(rows)
