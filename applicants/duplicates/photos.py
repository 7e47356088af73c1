"""The perceptual hash of a KTP photo (imagehash's pHash: a 64-bit DCT hash that barely changes
when a photo is re-encoded, resized or lightly recoloured), stored as a signed bigint.

The hash is computed from the stored (re-encoded) photo, at upload and by the backfill
(`manage.py ktp_phash_backfill`); it is personal data derived from the photo and is cleared
whenever the photo is (docs/privacy.md)."""

import io
import logging

import imagehash
from django.db.models import Q
from PIL import Image, UnidentifiedImageError

from applicants.registration.models import Applicant

logger = logging.getLogger(__name__)


def photo_phash(data: bytes) -> int:
    """pHash of an image as a signed 64-bit integer (PostgreSQL's bigint)."""
    with Image.open(io.BytesIO(data)) as image:
        value = int(str(imagehash.phash(image)), 16)
    return value - (1 << 64) if value >= 1 << 63 else value


def ktp_phash_backfill(*, batch: int = 500, after: int = 0) -> int:
    """Hash every stored KTP photo that has no hash yet, in keyset batches; returns how many.
    A photo that cannot be read is logged (by applicant id) and left without a hash."""
    done = 0
    while True:
        rows = list(
            Applicant.objects.filter(Q(pk__gt=after) & Q(ktp_phash__isnull=True) & ~Q(ktp_photo=""))
            .order_by("pk")
            .only("pk", "ktp_photo")[:batch]
        )
        if not rows:
            return done
        for applicant in rows:
            after = applicant.pk
            try:
                with applicant.ktp_photo.open("rb") as handle:
                    value = photo_phash(handle.read())
            except (OSError, UnidentifiedImageError):
                logger.warning("KTP photo of applicant %s could not be hashed", applicant.pk)
                continue
            # Only if the photo is still the one hashed (not replaced or deleted meanwhile).
            done += Applicant.objects.filter(pk=applicant.pk, ktp_photo=applicant.ktp_photo.name).update(
                ktp_phash=value
            )
