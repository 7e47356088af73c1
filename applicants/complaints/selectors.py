"""Reads for the complaint pages: who may see an attachment, its signed link."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from applicants.models import (
    Complaint,
)
from applicants.registration.selectors import staff_may
from prakerja.core.uploads import private_file_token


def complaint_attachment_url(*, complaint: Complaint) -> str:
    return reverse(
        "applicants:complaint-attachment", args=[private_file_token(kind="complaint-attachment", pk=complaint.pk)]
    )


def complaint_attachment_visible_to(*, complaint: Complaint, user: AbstractBaseUser | AnonymousUser) -> bool:
    """A complaint's photo is seen by the person who filed it and by staff allowed to view complaints."""
    if complaint.applicant.user_id == user.pk:
        return True
    return staff_may(user, "applicants.view_complaint")
