"""Reading someone else's face check: the checking pages and the status endpoint take the job's
id from the URL. The attack is to open another person's job (its id seen over a shoulder or in
a shared link), anonymously or logged in as somebody else, and through another attendance link
than the job's own. Every such request answers 404: no status, no result, no redirect to the
other person's institution."""

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from applicants.models import Step, VerificationSource
from applicants.verification.services import Selfie, identity_verify_queue
from prakerja.identity.models import FaceJob
from tests import faces as photos
from tests.courses.test_integration_protocol import Institution
from tests.factories import ApplicantFactory, liveness_challenge_for, verified_selfie_for
from tests.partners.conftest import new_participant_card
from tests.partners.purchases.test_attendance_face_check import link_for
from tests.partners.purchases.test_attendance_links import burst_files, webinar_purchase

pytestmark = pytest.mark.django_db
STEPS = ("left", "blink", "right")  # the challenge each burst follows


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_another_persons_selfie_job_is_a_404(regions: None, django_capture_on_commit_callbacks: Any) -> None:
    # given her selfie being checked
    owner = ApplicantFactory.create(reached=Step.PERSONAL, verified=False, registry_photo=photos.registry_photo())
    with django_capture_on_commit_callbacks():
        job = identity_verify_queue(
            applicant=owner,
            birth_place="Bandung",
            selfie=Selfie(source=VerificationSource.CAMERA, frames=photos.challenge_burst(STEPS)),
            challenge=liveness_challenge_for(owner.user, steps=STEPS),
        )
    urls = [reverse("face-job-status", args=[job.pk]), reverse("applicants:selfie-checking", args=[job.pk])]
    # when another applicant, and an anonymous visitor, open its status and its page
    other = logged_in(ApplicantFactory.create(reached=Step.PERSONAL).user)
    for url in urls:
        assert other.get(url).status_code == 404
    assert Client().get(urls[0]).status_code == 404
    assert Client().get(urls[1]).status_code == 302  # to the login page, nothing of the job
    # and a made-up id answers as an unknown one
    assert logged_in(owner.user).get(reverse("face-job-status", args=[uuid.uuid4()])).status_code == 404


def test_another_participants_session_job_is_a_404(
    regions: None, training_fund: int, django_capture_on_commit_callbacks: Any
) -> None:
    # given her session face check, queued
    participant_card = new_participant_card()
    lp = Institution()
    purchase = webinar_purchase(participant_card, django_capture_on_commit_callbacks, lp)
    verified_selfie_for(participant_card.applicant)
    path = link_for(lp, purchase, participant_card)
    owner = logged_in(participant_card.applicant.user)
    with django_capture_on_commit_callbacks():
        token, steps = photos.challenge_on_page(owner.get(path).content.decode())
        checking = owner.post(path, {"frames": burst_files(steps=steps), "challenge": token})["Location"]
    job = FaceJob.objects.get()
    token = path.rstrip("/").rsplit("/", 1)[-1]  # the link's
    # when somebody else opens it, or she opens it under another link than its own
    stranger = logged_in(ApplicantFactory.create().user)
    assert stranger.get(checking).status_code == 404
    assert stranger.get(reverse("face-job-status", args=[job.pk])).status_code == 404
    assert owner.get(reverse("catalogue:attendance-checking", args=[token + "x", job.pk])).status_code == 404
    # while its owner sees it
    assert owner.get(checking).status_code == 200
