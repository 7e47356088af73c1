"""SMS code guessing across codes (issue 18, item 16): the lock counted wrong entries per code,
so an attacker guessed twice, asked for a new code, guessed twice again, for ever. Wrong
entries must count per person and purpose whatever the code, and also across phone numbers
(the phone step's codes are about the number typed)."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from applicants.models import OneTimeCode, Step
from prakerja.messaging.models import SandboxMessage
from tests.conftest import run_after_commit_tasks
from tests.factories import ApplicantFactory

pytestmark = pytest.mark.django_db


def logged_in(applicant) -> Client:
    client = Client()
    client.force_login(applicant.user)
    return client


def sms_code(phone: str) -> str:
    body = SandboxMessage.objects.filter(to=phone).latest("created_at").body
    match = re.search(r"\b(\d{6})\b", body)
    assert match is not None
    return match.group(1)


def wrong_for(right: str) -> str:
    return f"{(int(right) + 1) % 10**6:06d}"


def past_the_resend_cooldown(applicant) -> None:
    for otp in OneTimeCode.objects.filter(user=applicant.user):
        OneTimeCode.objects.filter(pk=otp.pk).update(created_at=otp.created_at - dt.timedelta(minutes=2))


def ask_for_code(client: Client, phone: str, callbacks_capture) -> str:
    with callbacks_capture() as callbacks:
        client.post(reverse("applicants:contact"), {"phone": phone})
    run_after_commit_tasks(callbacks)
    e164 = "+62" + phone[1:]
    return sms_code(e164)


@pytest.mark.parametrize("second_phone", ["081234567890", "081298765432"], ids=["same-number", "other-number"])
def test_two_guesses_per_code_then_a_new_code_still_locks_on_the_third_wrong_guess(
    second_phone, django_capture_on_commit_callbacks
):
    # given an applicant at the phone step who asked for a code and guessed wrong twice
    applicant = ApplicantFactory.create(reached=Step.CONTACT)
    client = logged_in(applicant)
    first = ask_for_code(client, "081234567890", django_capture_on_commit_callbacks)
    for _ in range(2):
        client.post(reverse("applicants:contact-verify"), {"code": wrong_for(first)})

    # when they ask for a new code (after the cooldown; same or another number) and guess wrong once
    past_the_resend_cooldown(applicant)
    second = ask_for_code(client, second_phone, django_capture_on_commit_callbacks)
    response = client.post(reverse("applicants:contact-verify"), {"code": wrong_for(second)})

    # then the third wrong guess locks the step for an hour, and even the right code waits
    assert "WIB" in " ".join(response.context["form"].errors["code"])
    response = client.post(reverse("applicants:contact-verify"), {"code": second})
    assert "WIB" in " ".join(response.context["form"].errors["code"])
    applicant.refresh_from_db()
    assert applicant.phone_verified_at is None


def test_a_success_starts_the_count_again(django_capture_on_commit_callbacks):
    # given an applicant who guessed wrong twice and then typed the right code
    applicant = ApplicantFactory.create(reached=Step.CONTACT)
    client = logged_in(applicant)
    first = ask_for_code(client, "081234567890", django_capture_on_commit_callbacks)
    for _ in range(2):
        client.post(reverse("applicants:contact-verify"), {"code": wrong_for(first)})
    client.post(reverse("applicants:contact-verify"), {"code": first})
    applicant.refresh_from_db()
    assert applicant.phone_verified_at is not None

    # when they later change their number and mistype the new code once
    past_the_resend_cooldown(applicant)
    second = ask_for_code(client, "081298765432", django_capture_on_commit_callbacks)
    response = client.post(reverse("applicants:contact-verify"), {"code": wrong_for(second)})

    # then they have two attempts left, not a lock
    errors = " ".join(response.context["form"].errors["code"])
    assert "2" in errors
    assert "WIB" not in errors
