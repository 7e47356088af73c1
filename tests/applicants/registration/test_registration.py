"""Account, email verification, login throttling."""

import re

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from applicants.errors import ApplicantError
from applicants.models import Applicant, Step
from applicants.registration.services.registration import applicant_register, email_verification_token
from prakerja.accounts.models import User
from prakerja.messaging.models import Channel, SandboxMessage
from tests.conftest import run_after_commit_tasks
from tests.factories import DEFAULT_PASSWORD, ApplicantFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "email": "Budi.Santoso@Contoh.ID",
    "password1": "Belajar-Terus-2026",
    "password2": "Belajar-Terus-2026",
    "terms": "on",
}


def test_registering_creates_an_account_and_emails_a_verification_link(django_capture_on_commit_callbacks):
    # when a visitor registers
    client = Client()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("applicants:register"), GOOD)
    run_after_commit_tasks(callbacks)

    # then the account exists (address lower-cased), the person is logged in and waits for email
    assert response.status_code == 302
    user = User.objects.get(email="budi.santoso@contoh.id")
    assert user.password.startswith("argon2$argon2id$")
    assert Applicant.objects.get(user=user).step == Step.VERIFY_EMAIL
    email = SandboxMessage.objects.get(channel=Channel.EMAIL, to=user.email)
    link = re.search(r"https?://\S+/verifikasi-email/\S+/", email.body)
    assert link is not None

    # when the link is opened
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)

    # then the email is verified and the next step is identity
    assert response.status_code == 302
    assert Applicant.objects.get(user=user).step == Step.IDENTITY


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password2": "Lain-Sekali-2026"}, "password2"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password1"),
        ({"email": "bukan-email"}, "email"),
        ({"terms": ""}, "terms"),
    ],
)
def test_invalid_registrations_keep_what_was_typed_and_say_why(change, field):
    data = {**GOOD, **change}
    response = Client().post(reverse("applicants:register"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert form["email"].value() == data["email"]
    assert not User.objects.exists()


def test_an_email_can_register_only_once():
    ApplicantFactory.create(user__email="budi@contoh.id")
    response = Client().post(reverse("applicants:register"), {**GOOD, "email": "BUDI@contoh.id"})
    assert "email" in response.context["form"].errors


def test_a_tampered_or_expired_verification_link_is_refused(settings):
    applicant = ApplicantFactory.create()
    token = email_verification_token(user=applicant.user)
    assert Client().get(reverse("applicants:verify-email", args=[token + "x"])).status_code == 400
    settings.EMAIL_VERIFICATION_MAX_AGE = -1
    assert Client().get(reverse("applicants:verify-email", args=[token])).status_code == 400
    applicant.refresh_from_db()
    assert applicant.email_verified_at is None


def test_a_link_for_an_old_address_stops_working():
    applicant = ApplicantFactory.create()
    token = signing.dumps(
        {"u": applicant.user.pk, "e": "lama@contoh.id"}, salt="applicants.email-verification", compress=True
    )
    assert Client().get(reverse("applicants:verify-email", args=[token])).status_code == 400


def test_login_is_locked_after_five_wrong_passwords(settings):
    # given an applicant
    applicant = ApplicantFactory.create()
    client = Client(REMOTE_ADDR="10.9.8.7")

    # when the wrong password is tried five times
    for _ in range(5):
        client.post(reverse("applicants:login"), {"username": applicant.user.email, "password": "salah-salah"})

    # then even the right password is refused for now
    response = client.post(
        reverse("applicants:login"), {"username": applicant.user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_right_password_logs_in():
    applicant = ApplicantFactory.create()
    client = Client()
    response = client.post(
        reverse("applicants:login"), {"username": applicant.user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("applicants:dashboard")


def test_registration_is_rate_limited_per_address():
    client = Client(REMOTE_ADDR="10.1.1.1")
    statuses = [client.post(reverse("applicants:register"), {"email": "x"}).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


def test_password_reset_sends_a_link_by_email(django_capture_on_commit_callbacks):
    applicant = ApplicantFactory.create()
    with django_capture_on_commit_callbacks() as callbacks:
        Client().post(reverse("applicants:password-reset"), {"email": applicant.user.email})
    run_after_commit_tasks(callbacks)
    assert "/atur-sandi/" in SandboxMessage.objects.get(to=applicant.user.email).body


def test_a_sign_up_losing_the_race_for_an_address_gets_the_forms_message():
    # The form's uniqueness check cannot see a sign-up committing at the same moment; the
    # database's unique index decides, and the loser gets the same message as the form's.
    applicant_register(email="kembar@contoh.id", password=GOOD["password1"])
    with pytest.raises(ApplicantError) as error:
        applicant_register(email="kembar@contoh.id", password=GOOD["password1"])
    assert error.value.field == "email"
    assert User.objects.filter(email="kembar@contoh.id").count() == 1
