import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command

from applicants.models import Applicant, Step
from prakerja.core.crypto import blind_index, decrypt_value, encrypt_value, mask_identifier
from tests.factories import ApplicantFactory

pytestmark = pytest.mark.django_db


def test_values_round_trip_and_the_ciphertext_hides_them():
    token = encrypt_value("3273011705950001")
    assert b"3273011705950001" not in token
    assert decrypt_value(token) == "3273011705950001"


def test_the_blind_index_is_keyed_and_separates_purposes(settings):
    nik_index = blind_index("3273011705950001", purpose="nik")
    assert nik_index != blind_index("3273011705950001", purpose="kk")
    settings.BLIND_INDEX_KEY = "another-key"
    assert blind_index("3273011705950001", purpose="nik") != nik_index


@pytest.mark.parametrize(("value", "masked"), [("3273011705950001", "3273********0001"), ("1234", "****")])
def test_masking(value, masked):
    assert mask_identifier(value) == masked


def test_keys_rotate_without_losing_data(settings):
    # given applicants encrypted under the old key
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    ApplicantFactory.create_batch(3, reached=Step.CONTACT)
    before = {a.pk: decrypt_value(a.nik_encrypted or b"") for a in Applicant.objects.all()}

    # when a new key is put first and the rotation runs
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_field_keys", batch_size=2, verbosity=0)

    # then the old key can be removed and every value still reads the same
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    after = {a.pk: decrypt_value(a.nik_encrypted or b"") for a in Applicant.objects.all()}
    assert after == before
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    with pytest.raises(InvalidToken):
        decrypt_value(Applicant.objects.get(pk=next(iter(before))).nik_encrypted or b"")
