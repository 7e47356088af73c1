"""Re-encrypt everything encrypted with FIELD_ENCRYPTION_KEYS under the first (primary) key,
so the old key can be removed (`manage.py rotate_field_keys`; prakerja/core/crypto.py).

What is encrypted (a test holds this list complete: every BinaryField named `*_encrypted`, and
every FileField whose files are stored as `.bin`, the encrypted files' suffix):
- columns: ENCRYPTED_COLUMNS, each row rewritten in place (`bulk_update`);
- files: ENCRYPTED_FILES, each file read, re-encrypted and written under a new random name;
  the row points at the new file when the batch commits, and the old file is deleted only
  then (a batch rolled back deletes the new files it wrote instead). A file is never
  overwritten in place: a crash half-way through a write cannot lose a selfie.

Batches of KEY_ROTATION_BATCH rows in id order (keyset, `pk > last`), each one transaction
with its rows locked (a verifier's decision or the retention job waits for the batch), one file
in memory at a time. Each batch commits its checkpoint (KeyRotationCheckpoint, per kind of data
and primary key) with its rows: a run killed part-way goes on from there; a finished kind is
skipped. Values already under the primary key are left as they are.

KTP photos, appeal photos, complaint attachments, correction and clawback evidence are stored
re-encoded but not encrypted by the portal (storage-level encryption only): nothing to rotate.
"""

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from prakerja.core.crypto import primary_key_fingerprint, reencrypt_if_stale
from prakerja.core.models import KeyRotationCheckpoint

logger = logging.getLogger(__name__)

# (app_label.Model, encrypted columns), encrypted with encrypt_value or encrypt_bytes.
ENCRYPTED_COLUMNS: list[tuple[str, tuple[str, ...]]] = [
    ("applicants.Applicant", ("nik_encrypted", "kk_encrypted")),
    ("applicants.CorrectionRequest", ("value_encrypted",)),
    ("applicants.IdentityVerification", ("descriptor_encrypted",)),
    ("courses.InstitutionSigningKey", ("key_encrypted",)),
    ("partners.PartnerAPIKey", ("signing_secret_encrypted",)),
    ("partners.WebhookEndpoint", ("secret_encrypted", "previous_secret_encrypted")),
    ("identity.SandboxPerson", ("photo_encrypted",)),
    # a face check waiting for a worker (its burst and private inputs, kept minutes at most)
    ("identity.FaceJob", ("payload_encrypted",)),
]
# (app_label.Model, file field) whose files hold encrypt_bytes tokens.
ENCRYPTED_FILES: list[tuple[str, str]] = [
    ("applicants.IdentityVerification", "selfie"),
    ("courses.AttendanceFaceCheck", "frame"),
]


@dataclass
class RotationResult:
    # per kind of data ("applicants.Applicant" or "applicants.IdentityVerification.selfie"):
    # rows re-encrypted (files: files rewritten) in this run
    rotated: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)  # rows whose file is not in storage
    skipped: list[str] = field(default_factory=list)  # kinds finished by an earlier run


def _checkpoint(target: str, restart: bool) -> KeyRotationCheckpoint:
    point, _created = KeyRotationCheckpoint.objects.get_or_create(
        key_fingerprint=primary_key_fingerprint(), target=target
    )
    if restart and (point.last_pk or point.finished_at):
        KeyRotationCheckpoint.objects.filter(pk=point.pk).update(last_pk="", rows=0, missing=0, finished_at=None)
        point.refresh_from_db()
    return point


def _after(model: type[models.Model], point: KeyRotationCheckpoint) -> Q:
    """Rows after the checkpoint, in primary-key order (keyset)."""
    if not point.last_pk:
        return Q()
    return Q(pk__gt=model._meta.pk.to_python(point.last_pk))


def _rotate_columns(
    model: type[models.Model], fields: tuple[str, ...], point: KeyRotationCheckpoint, batch: int
) -> int:
    any_value = Q()
    for name in fields:
        any_value |= Q(**{f"{name}__isnull": False})
    done = 0
    while True:
        with transaction.atomic():
            rows = list(
                model._default_manager.select_for_update(of=("self",))
                .filter(any_value, _after(model, point))
                .order_by("pk")
                .only("pk", *fields)[:batch]
            )
            if not rows:
                return done
            changed = []
            for row in rows:
                dirty = False
                for name in fields:
                    value = getattr(row, name)
                    if value and (fresh := reencrypt_if_stale(value)) is not None:
                        setattr(row, name, fresh)
                        dirty = True
                if dirty:
                    changed.append(row)
            model._default_manager.bulk_update(changed, fields)
            point.last_pk = str(rows[-1].pk)
            KeyRotationCheckpoint.objects.filter(pk=point.pk).update(
                last_pk=point.last_pk, rows=F("rows") + len(changed)
            )
        done += len(changed)


def _rotate_files(model: type[models.Model], name: str, point: KeyRotationCheckpoint, batch: int) -> tuple[int, int]:
    file_field = model._meta.get_field(name)
    assert isinstance(file_field, models.FileField)
    storage = file_field.storage
    done = missing = 0
    while True:
        written: list[str] = []
        try:
            with transaction.atomic():
                rows = list(
                    model._default_manager.select_for_update(of=("self",))
                    .filter(_after(model, point))
                    .exclude(**{name: ""})
                    .order_by("pk")
                    .only("pk", name)[:batch]
                )
                if not rows:
                    return done, missing
                changed, superseded, absent = [], [], 0
                for row in rows:
                    stored = getattr(row, name)
                    old = stored.name
                    try:
                        with storage.open(old, "rb") as handle:
                            token = handle.read()
                    except FileNotFoundError:
                        absent += 1
                        continue
                    fresh = reencrypt_if_stale(token)
                    del token
                    if fresh is None:
                        continue
                    # upload_to gives the new file a new random name
                    stored.save(os.path.basename(old), ContentFile(fresh), save=False)
                    written.append(stored.name)
                    superseded.append(old)
                    changed.append(row)
                model._default_manager.bulk_update(changed, [name])
                point.last_pk = str(rows[-1].pk)
                KeyRotationCheckpoint.objects.filter(pk=point.pk).update(
                    last_pk=point.last_pk, rows=F("rows") + len(changed), missing=F("missing") + absent
                )
                transaction.on_commit(_deleter(storage, superseded))
        except BaseException:
            for path in written:  # the rows still point at the old files
                storage.delete(path)
            raise
        done += len(changed)
        missing += absent


def _deleter(storage: Storage, names: list[str]) -> Callable[[], None]:
    def delete() -> None:
        for path in names:
            storage.delete(path)

    return delete


def field_keys_rotate(*, batch_size: int | None = None, restart: bool = False) -> RotationResult:
    """Re-encrypt every encrypted column and file under the primary key (see the module)."""
    batch = batch_size or settings.KEY_ROTATION_BATCH
    result = RotationResult()
    for label, fields in ENCRYPTED_COLUMNS:
        point = _checkpoint(label, restart)
        if point.finished_at is not None:
            result.skipped.append(label)
            continue
        result.rotated[label] = _rotate_columns(apps.get_model(label), fields, point, batch)
        KeyRotationCheckpoint.objects.filter(pk=point.pk).update(finished_at=timezone.now())
    for label, name in ENCRYPTED_FILES:
        target = f"{label}.{name}"
        point = _checkpoint(target, restart)
        if point.finished_at is not None:
            result.skipped.append(target)
            continue
        result.rotated[target], result.missing[target] = _rotate_files(apps.get_model(label), name, point, batch)
        KeyRotationCheckpoint.objects.filter(pk=point.pk).update(finished_at=timezone.now())
    logger.info(
        "field keys rotated: %s (files missing: %s, already done: %s)", result.rotated, result.missing, result.skipped
    )
    return result
