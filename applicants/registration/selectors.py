"""Reads for the applicant pages: the registration steps, who may see a KTP photo."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from applicants.models import (
    Applicant,
    Step,
)
from applicants.registration.models import STEP_ORDER
from prakerja.accounts.models import User
from prakerja.accounts.two_factor import staff_second_factor_passed
from prakerja.core.uploads import private_file_token

STEP_URLS = {
    Step.IDENTITY: "applicants:identity",
    Step.CONTACT: "applicants:contact",
    Step.PERSONAL: "applicants:personal",
    Step.BASIC_TEST: "applicants:basic-test",
}


@dataclass(frozen=True)
class StepView:
    key: str
    label: str
    state: str  # "done", "current" or "todo"
    url: str | None


def dashboard_steps(applicant: Applicant) -> list[StepView]:
    """The registration steps with the applicant's progress, for the progress indicator."""
    current = STEP_ORDER.index(applicant.step)
    views = []
    for index, step in enumerate(Step):
        if step == Step.READY:
            continue
        state = "done" if index < current else "current" if index == current else "todo"
        url_name = STEP_URLS.get(step)
        url = reverse(url_name) if url_name and index <= current else None
        views.append(StepView(key=step.value, label=str(step.label), state=state, url=url))
    return views


def staff_may(user: AbstractBaseUser | AnonymousUser, permission: str) -> bool:
    # Staff pages outside the admin ask for the second factor as the admin does.
    if not isinstance(user, User):
        return False
    return user.is_staff and user.is_active and user.has_perm(permission) and staff_second_factor_passed(user=user)


def ktp_photo_visible_to(*, applicant: Applicant, user: AbstractBaseUser | AnonymousUser) -> bool:
    """An ID card photo is seen by its owner and by staff allowed to view applicants, nobody else."""
    if applicant.user_id == user.pk:
        return True
    return staff_may(user, "applicants.view_applicant")


def ktp_photo_url(*, applicant: Applicant) -> str:
    """Where the ID card photo is served: a signed, expiring link, not the applicant's id."""
    return reverse("applicants:ktp-photo", args=[private_file_token(kind="ktp", pk=applicant.pk)])
