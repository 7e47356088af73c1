"""Identity, phone, personal data and the basic test, through the pages."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from applicants.duplicates.photos import photo_phash
from applicants.models import Applicant, OneTimeCode, ReviewStatus, Step, TestAttempt
from applicants.registration.selectors import ktp_photo_url
from prakerja.audit.models import AuditEvent
from prakerja.messaging.models import SandboxMessage
from tests.conftest import run_after_commit_tasks
from tests.factories import ApplicantFactory, QuestionFactory, StaffUserFactory
from tests.images import jpeg

pytestmark = pytest.mark.django_db

NIK = "3273011705950001"  # Kota Bandung, man born 17 May 1995
IDENTITY = {"nik": NIK, "kk_number": "3273010101000123", "full_name": "Budi Santoso", "birth_date": "1995-05-17"}


def logged_in(applicant: Applicant) -> Client:
    client = Client()
    client.force_login(applicant.user)
    return client


def test_identity_is_stored_encrypted_and_masked():
    # given an applicant with a verified email
    applicant = ApplicantFactory.create(reached=Step.IDENTITY)

    # when the identity is submitted
    response = logged_in(applicant).post(reverse("applicants:identity"), IDENTITY)

    # then the next step is the phone, and the NIK is nowhere in plain text
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.step == Step.CONTACT
    assert applicant.nik_masked == "3273********0001"
    assert applicant.gender == "M"
    assert applicant.review_status == ReviewStatus.NONE
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nik_encrypted::text, kk_encrypted::text, nik_index FROM applicants_applicant WHERE id = %s",
            [applicant.pk],
        )
        row = " ".join(cursor.fetchone())
    assert NIK not in row
    assert NIK.encode().hex() not in row
    assert "3273010101000123" not in row


def test_a_birth_date_that_differs_from_the_nik_is_accepted_but_flagged():
    applicant = ApplicantFactory.create(reached=Step.IDENTITY)
    response = logged_in(applicant).post(
        reverse("applicants:identity"), {**IDENTITY, "birth_date": "1995-05-18"}, follow=True
    )
    applicant.refresh_from_db()
    assert applicant.step == Step.CONTACT
    assert applicant.flag_birth_date_mismatch
    assert applicant.review_status == ReviewStatus.PENDING
    assert "verifikator" in response.content.decode().lower()


def test_an_unknown_region_code_is_a_warning_not_an_error():
    applicant = ApplicantFactory.create(reached=Step.IDENTITY)
    logged_in(applicant).post(reverse("applicants:identity"), {**IDENTITY, "nik": "9999011705950001"})
    applicant.refresh_from_db()
    assert applicant.step == Step.CONTACT
    assert not applicant.nik_region_known


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nik": "3273013202950001"}, "nik"),
        ({"nik": "327301170595"}, "nik"),
        ({"nik": "3273011705950000"}, "nik"),
        ({"kk_number": "12345"}, "kk_number"),
        ({"full_name": " "}, "full_name"),
    ],
)
def test_invalid_identity_is_refused_next_to_the_field_and_keeps_the_input(change, field):
    applicant = ApplicantFactory.create(reached=Step.IDENTITY)
    data = {**IDENTITY, **change}
    response = logged_in(applicant).post(reverse("applicants:identity"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["form"]["kk_number"].value() == data["kk_number"]
    applicant.refresh_from_db()
    assert applicant.step == Step.IDENTITY


def test_a_nik_registered_to_another_account_is_refused_without_revealing_it():
    # given someone already registered with this NIK
    first = ApplicantFactory.create(reached=Step.IDENTITY)
    logged_in(first).post(reverse("applicants:identity"), IDENTITY)
    second = ApplicantFactory.create(reached=Step.IDENTITY)

    # when another account uses it
    response = logged_in(second).post(reverse("applicants:identity"), IDENTITY)

    # then it is refused with a message that names nobody, and the attempt is recorded
    error = " ".join(response.context["form"].errors["nik"])
    assert first.user.email not in error
    assert "help desk" in error or "layanan" in error.lower()
    second.refresh_from_db()
    assert second.step == Step.IDENTITY
    assert AuditEvent.objects.filter(action="applicant.nik_duplicate_attempt", object_id=str(second.pk)).exists()


def test_steps_cannot_be_skipped():
    applicant = ApplicantFactory.create(reached=Step.VERIFY_EMAIL)
    client = logged_in(applicant)
    for name in ("identity", "contact", "personal", "basic-test"):
        assert client.get(reverse(f"applicants:{name}"))["Location"] == reverse("applicants:dashboard")


def sms_code(phone: str) -> str:
    body = SandboxMessage.objects.filter(to=phone).latest("created_at").body
    match = re.search(r"\b(\d{6})\b", body)
    assert match is not None
    return match.group(1)


def test_the_phone_is_verified_with_the_sms_code(django_capture_on_commit_callbacks):
    applicant = ApplicantFactory.create(reached=Step.CONTACT)
    client = logged_in(applicant)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("applicants:contact"), {"phone": "0812-3456-7890"})
    run_after_commit_tasks(callbacks)
    assert response["Location"] == reverse("applicants:contact-verify")
    applicant.refresh_from_db()
    assert applicant.phone == "+6281234567890"

    response = client.post(reverse("applicants:contact-verify"), {"code": sms_code("+6281234567890")})

    assert response["Location"] == reverse("applicants:personal")
    applicant.refresh_from_db()
    assert applicant.step == Step.PERSONAL
    assert applicant.phone_verified_at is not None


@pytest.mark.parametrize("phone", ["12345", "+14155550123", "021 555 1234", "abc"])
def test_only_indonesian_mobile_numbers_are_accepted(phone):
    applicant = ApplicantFactory.create(reached=Step.CONTACT)
    response = logged_in(applicant).post(reverse("applicants:contact"), {"phone": phone})
    assert "phone" in response.context["form"].errors
    assert not OneTimeCode.objects.exists()


def test_three_wrong_codes_lock_the_phone_step_for_an_hour(django_capture_on_commit_callbacks):
    applicant = ApplicantFactory.create(reached=Step.CONTACT)
    client = logged_in(applicant)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("applicants:contact"), {"phone": "081234567890"})
    run_after_commit_tasks(callbacks)
    right = sms_code("+6281234567890")
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    errors = []
    for _ in range(3):
        response = client.post(reverse("applicants:contact-verify"), {"code": wrong})
        errors.append(" ".join(response.context["form"].errors["code"]))
    response = client.post(reverse("applicants:contact-verify"), {"code": right})

    assert "2" in errors[0]
    assert "1" in errors[1]
    assert "WIB" in errors[2]
    assert "WIB" in " ".join(response.context["form"].errors["code"])  # even the right code waits
    applicant.refresh_from_db()
    assert applicant.phone_verified_at is None
    assert client.post(reverse("applicants:contact"), {"phone": "081234567890"}).status_code == 200


def test_a_new_code_can_be_asked_for_only_after_a_cooldown(django_capture_on_commit_callbacks):
    applicant = ApplicantFactory.create(reached=Step.CONTACT)
    client = logged_in(applicant)
    client.post(reverse("applicants:contact"), {"phone": "081234567890"})
    response = client.post(reverse("applicants:contact"), {"phone": "081234567890"}, follow=True)
    assert OneTimeCode.objects.filter(user=applicant.user).count() == 1
    assert "detik" in response.content.decode() or "seconds" in response.content.decode()


def personal_data(**overrides: object) -> dict[str, object]:
    return {
        "address": "Jl. Braga No. 10",
        "province": "32",
        "regency": "3273",
        "education": "sma",
        "marital_status": "single",
        "dependants": "1",
        "employment_status": "laid_off",
        "training_interests": ["digital", "sales"],
        "honesty_declared": "on",
        "ktp_photo": jpeg(),
        **overrides,
    }


def test_personal_data_and_ktp_photo_are_saved():
    applicant = ApplicantFactory.create(reached=Step.PERSONAL)
    response = logged_in(applicant).post(reverse("applicants:personal"), personal_data())
    assert response.status_code == 302, response.context["form"].errors
    applicant.refresh_from_db()
    assert applicant.step == Step.BASIC_TEST
    assert applicant.regency_id == "3273"
    assert applicant.ktp_photo.name.startswith("private/ktp/")
    # and its perceptual hash, for the duplicate pass, computed from the stored photo
    with applicant.ktp_photo.open("rb") as stored:
        assert applicant.ktp_phash == photo_phash(stored.read())
    assert applicant.training_interests == ["digital", "sales"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {"ktp_photo": SimpleUploadedFile("ktp.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")},
            "ktp_photo",
        ),
        ({"ktp_photo": jpeg(100, 80)}, "ktp_photo"),
        ({"regency": "3171"}, "regency"),  # Jakarta, not in West Java
        ({"honesty_declared": ""}, "honesty_declared"),
        ({"dependants": "-1"}, "dependants"),
    ],
    ids=["not-an-image", "too-small", "regency-elsewhere", "no-declaration", "negative-dependants"],
)
def test_invalid_personal_data_is_refused_next_to_the_field(overrides, field):
    applicant = ApplicantFactory.create(reached=Step.PERSONAL)
    response = logged_in(applicant).post(reverse("applicants:personal"), personal_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["form"]["address"].value() == "Jl. Braga No. 10"
    applicant.refresh_from_db()
    assert applicant.step == Step.PERSONAL


def test_the_ktp_photo_is_shown_only_to_its_owner_and_to_verifiers(staff_groups):
    owner = ApplicantFactory.create(reached=Step.PERSONAL)
    logged_in(owner).post(reverse("applicants:personal"), personal_data())
    url = ktp_photo_url(applicant=owner)
    other = ApplicantFactory.create(reached=Step.PERSONAL)
    verifier = StaffUserFactory.create(group="verifier")
    finance = StaffUserFactory.create(group="finance")
    staff_client = Client()
    staff_client.force_login(verifier)
    finance_client = Client()
    finance_client.force_login(finance)

    assert logged_in(owner).get(url).status_code == 200
    assert staff_client.get(url).status_code == 200
    assert logged_in(other).get(url).status_code == 404
    assert finance_client.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_the_basic_test_is_scored_and_completes_registration():
    QuestionFactory.create_batch(5)
    applicant = ApplicantFactory.create(reached=Step.BASIC_TEST)
    client = logged_in(applicant)
    client.post(reverse("applicants:basic-test"), {"start": "1"})
    attempt = TestAttempt.objects.get(applicant=applicant)
    answers = {f"q{qid}": "1" for qid in attempt.question_ids[:4]} | {f"q{attempt.question_ids[4]}": "0"}

    client.post(reverse("applicants:basic-test"), {"submit": "1", **answers})

    applicant.refresh_from_db()
    assert applicant.step == Step.READY
    assert applicant.basic_test_score == 80
    assert "Siap bergabung" in client.get(reverse("applicants:dashboard")).content.decode()


def test_answers_after_the_deadline_do_not_count():
    QuestionFactory.create_batch(3)
    applicant = ApplicantFactory.create(reached=Step.BASIC_TEST)
    client = logged_in(applicant)
    client.post(reverse("applicants:basic-test"), {"start": "1"})
    attempt = TestAttempt.objects.get(applicant=applicant)
    TestAttempt.objects.filter(pk=attempt.pk).update(deadline_at=attempt.started_at - dt.timedelta(minutes=1))

    client.post(reverse("applicants:basic-test"), {"submit": "1", **{f"q{q}": "1" for q in attempt.question_ids}})

    attempt.refresh_from_db()
    applicant.refresh_from_db()
    assert attempt.expired
    assert attempt.score == 0
    assert applicant.step == Step.BASIC_TEST  # may start again
