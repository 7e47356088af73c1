"""Key rotation: `rotate_field_keys` re-encrypts every column and every file encrypted with
FIELD_ENCRYPTION_KEYS under the new first key, in batches, resumable, so that the old key can be
removed and every kind still reads back with the new key alone."""

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast
from unittest import mock

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import models
from django.utils import timezone
from pytest_django.fixtures import SettingsWrapper

from applicants.models import (
    Applicant,
    CorrectionRequest,
    IdentityVerification,
    Step,
    VerificationSource,
    VerificationStatus,
)
from courses.models import AttendanceFaceCheck, AttendanceLink, InstitutionSigningKey, RedeemCode
from partners.models import PartnerAPIKey, WebhookEndpoint
from prakerja.core import key_rotation
from prakerja.core.crypto import decrypt_bytes, decrypt_value, encrypt_bytes, encrypt_value
from prakerja.core.key_rotation import ENCRYPTED_COLUMNS, ENCRYPTED_FILES, field_keys_rotate
from prakerja.core.models import KeyRotationCheckpoint
from prakerja.identity.models import SandboxPerson
from tests.factories import ApplicantFactory, CourseFactory, PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(regions: None) -> None:
    """Applicants need provinces."""


@dataclass
class Stored:
    """One row of every kind of encrypted data, with the plaintext each should read back as."""

    applicant: Applicant
    nik: str
    correction: CorrectionRequest
    verification: IdentityVerification
    signing_key: InstitutionSigningKey
    api_key: PartnerAPIKey
    webhook: WebhookEndpoint
    person: SandboxPerson
    face_check: AttendanceFaceCheck


SELFIE = b"\xff\xd8selfie-jpeg"
DESCRIPTOR = b"\x00\x01descriptor"
FRAME = b"\xff\xd8frame-jpeg"
PHOTO = b"\xff\xd8registry-photo"


def face_check_with_frame(applicant: Applicant, frame: bytes) -> AttendanceFaceCheck:
    course = CourseFactory.create()
    code = RedeemCode.objects.create(
        code=f"RC{applicant.pk:010d}", institution=course.institution, course=course, method=course.method
    )
    link = AttendanceLink.objects.create(
        token_hash=f"h{applicant.pk}",
        redeem_code=code,
        sequence=1,
        redirect_uri="https://lp.example.id/kembali",
        email=applicant.user.email,
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    check = AttendanceFaceCheck(link=link, applicant=applicant, outcome="failed", reason="no_blink")
    check.frame.save("frame.bin", ContentFile(encrypt_bytes(frame)), save=False)
    check.save()
    return check


def store_every_kind() -> Stored:
    """Under whatever keys are in force: one row of each encrypted column and file."""
    applicant = ApplicantFactory.create(reached=Step.READY)
    nik = decrypt_value(applicant.nik_encrypted or b"")
    correction = CorrectionRequest.objects.create(
        applicant=applicant,
        field="kk",
        value="3273********0009",
        value_encrypted=encrypt_value("3273010101010009"),
        explanation="KK baru",
        evidence="private/data_rights/evidence.jpg",
    )
    verification = IdentityVerification(
        applicant=applicant,
        reference=f"rot-{applicant.pk}",
        status=VerificationStatus.VERIFIED,
        source=VerificationSource.CAMERA,
        descriptor_encrypted=encrypt_bytes(DESCRIPTOR),
    )
    verification.selfie.save("selfie.bin", ContentFile(encrypt_bytes(SELFIE)), save=False)
    verification.save()
    course = CourseFactory.create()
    signing_key = InstitutionSigningKey.objects.create(
        institution=course.institution, key_encrypted=encrypt_value("lp-sign-key"), key_hint="-key"
    )
    partner = PartnerFactory.create()
    api_key, _key = PartnerAPIKey.objects.create_key(
        name="rot", partner=partner, signing_secret_encrypted=encrypt_value("api-secret")
    )
    webhook = WebhookEndpoint.objects.create(
        partner=partner,
        url="https://platform.example.id/hook",
        secret_encrypted=encrypt_value("hook-secret"),
        previous_secret_encrypted=encrypt_value("old-hook-secret"),
    )
    person = SandboxPerson.objects.create(
        nik_index=f"rot-{applicant.pk}",
        full_name="Siti",
        birth_date=dt.date(1990, 1, 1),
        birth_place="Bandung",
        photo_encrypted=encrypt_bytes(PHOTO),
    )
    return Stored(
        applicant=applicant,
        nik=nik,
        correction=correction,
        verification=verification,
        signing_key=signing_key,
        api_key=cast(PartnerAPIKey, api_key),
        webhook=webhook,
        person=person,
        face_check=face_check_with_frame(applicant, FRAME),
    )


def read_every_kind(stored: Stored) -> dict[str, object]:
    """Every kind read back from the database and storage, as the portal reads them."""
    applicant = Applicant.objects.get(pk=stored.applicant.pk)
    verification = IdentityVerification.objects.get(pk=stored.verification.pk)
    webhook = WebhookEndpoint.objects.get(pk=stored.webhook.pk)
    face_check = AttendanceFaceCheck.objects.get(pk=stored.face_check.pk)
    with verification.selfie.open("rb") as selfie, face_check.frame.open("rb") as frame:
        return {
            "nik": decrypt_value(applicant.nik_encrypted or b""),
            "kk": decrypt_value(applicant.kk_encrypted or b""),
            "correction": decrypt_value(CorrectionRequest.objects.get(pk=stored.correction.pk).value_encrypted or b""),
            "descriptor": decrypt_bytes(verification.descriptor_encrypted or b""),
            "selfie": decrypt_bytes(selfie.read()),
            "signing_key": decrypt_value(InstitutionSigningKey.objects.get(pk=stored.signing_key.pk).key_encrypted),
            "api_secret": decrypt_value(PartnerAPIKey.objects.get(pk=stored.api_key.pk).signing_secret_encrypted),
            "hook": decrypt_value(webhook.secret_encrypted),
            "previous_hook": decrypt_value(webhook.previous_secret_encrypted or b""),
            "registry_photo": decrypt_bytes(SandboxPerson.objects.get(pk=stored.person.pk).photo_encrypted or b""),
            "frame": decrypt_bytes(frame.read()),
        }


def new_key_first(settings: SettingsWrapper) -> tuple[str, str]:
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    return old_key, new_key


def test_every_encrypted_column_and_file_reads_back_with_only_the_new_key(
    settings: SettingsWrapper, django_capture_on_commit_callbacks: object
) -> None:
    # given one row of every kind of encrypted data under the old key, read back
    stored = store_every_kind()
    before = read_every_kind(stored)
    old_selfie = stored.verification.selfie.name
    old_frame = stored.face_check.frame.name

    # when a new key is put first and the rotation runs, one row per batch
    _old_key, new_key = new_key_first(settings)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        call_command("rotate_field_keys", batch_size=1, verbosity=0)

    # then, with the old key removed, every kind reads back the same
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert read_every_kind(stored) == before
    assert (before["selfie"], before["frame"], before["nik"]) == (SELFIE, FRAME, stored.nik)
    # and the files were written anew, the superseded ones deleted from storage
    verification = IdentityVerification.objects.get(pk=stored.verification.pk)
    face_check = AttendanceFaceCheck.objects.get(pk=stored.face_check.pk)
    assert verification.selfie.name != old_selfie
    assert face_check.frame.name != old_frame
    assert verification.selfie.name.startswith("private/selfie/")
    assert not default_storage.exists(old_selfie)
    assert not default_storage.exists(old_frame)


def test_a_killed_run_goes_on_from_its_checkpoint_and_a_second_run_rewrites_nothing(
    settings: SettingsWrapper,
) -> None:
    # given three applicants under the old key (NIK and KK each) and a new key put first
    people = ApplicantFactory.create_batch(3, reached=Step.CONTACT)
    _old, new_key = new_key_first(settings)
    real = key_rotation.reencrypt_if_stale
    seen: list[int] = []
    dies = [True]

    def counted(token: bytes) -> bytes | None:
        seen.append(1)
        if dies[0] and len(seen) == 3:  # the second applicant's NIK: the worker dies
            raise RuntimeError("killed")
        return real(token)

    # when the rotation, one applicant per batch, dies in its second batch
    with mock.patch.object(key_rotation, "reencrypt_if_stale", side_effect=counted), pytest.raises(RuntimeError):
        field_keys_rotate(batch_size=1)
    # then the first batch is committed and checkpointed, the rest not
    point = KeyRotationCheckpoint.objects.get(target="applicants.Applicant")
    assert (point.last_pk, point.rows, point.finished_at) == (str(people[0].pk), 1, None)

    # when it runs again
    seen.clear()
    dies[0] = False
    with mock.patch.object(key_rotation, "reencrypt_if_stale", side_effect=counted):
        result = field_keys_rotate(batch_size=1)
    # then it goes on after the checkpoint: the two others' NIK and KK only
    assert len(seen) == 4
    assert result.rotated["applicants.Applicant"] == 2
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert all(decrypt_value(Applicant.objects.get(pk=p.pk).kk_encrypted or b"") for p in people)

    # and a third run skips every finished kind; a forced restart finds nothing stale
    settings.FIELD_ENCRYPTION_KEYS = [new_key, _old]
    assert "applicants.Applicant" in field_keys_rotate().skipped
    assert field_keys_rotate(restart=True).rotated["applicants.Applicant"] == 0


def test_a_batch_that_fails_keeps_the_old_file_and_removes_the_new_one(settings: SettingsWrapper) -> None:
    # given a selfie under the old key
    stored = store_every_kind()
    old_name = stored.verification.selfie.name
    new_key_first(settings)
    written: list[str] = []
    real_save = default_storage.save

    def save_then_note(name: str, content: Any, max_length: int | None = None) -> str:
        saved = real_save(name, content, max_length=max_length)
        written.append(saved)
        return saved

    # when the batch fails after the new file was written
    with (
        mock.patch.object(default_storage, "save", side_effect=save_then_note),
        mock.patch.object(IdentityVerification._default_manager, "bulk_update", side_effect=RuntimeError("db down")),
        pytest.raises(RuntimeError),
    ):
        key_rotation._rotate_files(
            IdentityVerification,
            "selfie",
            KeyRotationCheckpoint.objects.create(key_fingerprint="t", target="t"),
            10,
        )
    # then the row still points at the old file, which is still there, and the new file is gone
    assert IdentityVerification.objects.get(pk=stored.verification.pk).selfie.name == old_name
    assert default_storage.exists(old_name)
    assert written
    assert not any(default_storage.exists(name) for name in written)


def test_the_list_of_encrypted_data_is_complete() -> None:
    # given every model of the project
    listed_columns = {(label.lower(), name) for label, names in ENCRYPTED_COLUMNS for name in names}
    listed_files = {(label.lower(), name) for label, name in ENCRYPTED_FILES}
    found_columns, found_files = set(), set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            # encrypted columns are named *_encrypted; encrypted files are stored as .bin
            if isinstance(field, models.BinaryField) and field.name.endswith("_encrypted"):
                found_columns.add((model._meta.label_lower, field.name))
            if (
                isinstance(field, models.FileField)
                and callable(field.upload_to)
                and str(field.upload_to(None, "x")).endswith(".bin")
            ):
                found_files.add((model._meta.label_lower, field.name))
    # then the rotation knows every one of them
    assert found_columns == listed_columns
    assert found_files == listed_files
