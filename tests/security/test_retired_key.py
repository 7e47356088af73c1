"""A retired field key opens nothing the portal stores once the rotation has run.

Threat: an old FIELD_ENCRYPTION_KEYS value leaks (an old .env, a former operator, a config
backup) and the attacker reads the storage bucket or the database. Design (prakerja/core/crypto.py):
Fernet under a list of keys, the first encrypting; `rotate_field_keys` re-encrypts every column
and file under the first key and deletes the superseded files; then the old key is removed. The
guarantee is about what the portal stores after the rotation: none of it opens with the retired
key, and a portal configured with only the retired key reads none of it. Copies made before the
rotation (backups, old object versions) are outside it: they open with the old key until they
expire (asserted below, so the limit is stated, not hidden)."""

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from pytest_django.fixtures import SettingsWrapper

from applicants.models import Applicant, IdentityVerification, Step, VerificationSource, VerificationStatus
from prakerja.core.crypto import decrypt_bytes, decrypt_value, encrypt_bytes
from tests.factories import ApplicantFactory

pytestmark = pytest.mark.django_db

SELFIE = b"\xff\xd8a-selfie"


def test_a_file_encrypted_under_a_retired_key_is_unreadable_after_rotation(
    regions: None, settings: SettingsWrapper, django_capture_on_commit_callbacks: object
) -> None:
    # given an applicant's NIK and selfie encrypted under key A, and a copy of the selfie's
    # file as it was (a backup)
    retired = settings.FIELD_ENCRYPTION_KEYS[0]
    applicant = ApplicantFactory.create(reached=Step.READY)
    verification = IdentityVerification(
        applicant=applicant, reference="sec-1", status=VerificationStatus.VERIFIED, source=VerificationSource.CAMERA
    )
    verification.selfie.save("selfie.bin", ContentFile(encrypt_bytes(SELFIE)), save=False)
    verification.save()
    old_path = verification.selfie.name
    with default_storage.open(old_path, "rb") as handle:
        backup = handle.read()

    # when key B is put first, the rotation runs and key A is removed
    current = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [current, retired]
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        call_command("rotate_field_keys", verbosity=0)
    settings.FIELD_ENCRYPTION_KEYS = [current]

    # then the portal reads both with B alone
    stored = IdentityVerification.objects.get(pk=verification.pk)
    with stored.selfie.open("rb") as handle:
        file_now = handle.read()
    assert decrypt_bytes(file_now) == SELFIE
    nik_now = bytes(Applicant.objects.get(pk=applicant.pk).nik_encrypted or b"")
    assert decrypt_value(nik_now)

    # and an attacker holding the retired key A opens neither what is stored now...
    attacker = MultiFernet([Fernet(retired.encode())])
    with pytest.raises(InvalidToken):
        attacker.decrypt(file_now)
    with pytest.raises(InvalidToken):
        attacker.decrypt(nik_now)
    # ...nor finds the file written under A: it was deleted from storage
    assert not default_storage.exists(old_path)

    # and a portal put back on the retired key alone reads nothing
    settings.FIELD_ENCRYPTION_KEYS = [retired]
    with pytest.raises(InvalidToken):
        decrypt_bytes(file_now)

    # the limit: a copy taken before the rotation still opens with A (backups expire on their own)
    assert attacker.decrypt(backup) == SELFIE
