"""The kernel's conventions (docs/architecture.md, "Conventions"): one actor type, one base for
domain errors and one admin helper that reports them, tasks queued by name after commit, one
typed registry."""

import re
from pathlib import Path

import pytest
from django.contrib.admin.sites import AdminSite
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.test import RequestFactory

from partners.models import Partner
from prakerja.audit.models import ActorType
from prakerja.core.actor import Actor
from prakerja.core.admin_base import ReadOnlyAdmin, domain_errors_reported, secret_shown_once
from prakerja.core.errors import DomainError
from prakerja.core.queueing import QueuedTask, enqueue_after_commit, task_by_name
from prakerja.core.registry import Registry
from tests.factories import StaffUserFactory, UserFactory


class WaveClosed(DomainError):
    default_message = "The wave is closed."
    code = "wave_closed"


def admin_request(user):
    request = RequestFactory().post("/admin/")
    request.user = user
    request.session = SessionBase()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


@pytest.mark.django_db
def test_a_request_acts_as_its_signed_in_user():
    # given a signed-in applicant's request and a staff member's
    user = UserFactory.create()
    staff = UserFactory.create(is_staff=True)
    request = RequestFactory().get("/")
    request.user = user

    # when the view builds its actor
    actor = Actor.for_request(request)

    # then the actor is that user, named by id only (the trail never names an applicant)
    assert (actor.type, actor.label, actor.user, actor.person) == (ActorType.USER, f"user #{user.pk}", user, user)
    # and staff are named by their address (they answer for what they did)
    assert Actor.for_user(staff).label == staff.email


def test_a_system_actor_has_no_person():
    # given a job's actor
    actor = Actor.system("batch.partners_evaluate")

    # then asking for the person behind it is a programming error
    with pytest.raises(TypeError):
        _ = actor.person


def test_a_domain_error_has_its_class_defaults_unless_given():
    # given an error raised with and without its own words
    plain, specific = WaveClosed(), WaveClosed("Wave 3 is closed.", field="wave", status=422)

    # then each keeps the class's code, and the given sentence, field and status win
    assert (str(plain), plain.code, plain.field, plain.status) == ("The wave is closed.", "wave_closed", None, 409)
    assert (specific.message, specific.field, specific.status) == ("Wave 3 is closed.", "wave", 422)


@pytest.mark.django_db
def test_the_admin_helper_tells_the_user_and_swallows_the_refusal():
    # given an admin screen and a staff request
    request = admin_request(StaffUserFactory.create())
    modeladmin = ReadOnlyAdmin(Partner, AdminSite())

    # when a service refuses, then succeeds
    with domain_errors_reported(modeladmin, request, about="Platform A") as refused:
        raise WaveClosed()
    with domain_errors_reported(modeladmin, request) as fine:
        pass
    secret_shown_once(modeladmin, request, secrets=[("API key", "k-123")])

    # then the refusal is a message naming what it was about, and the key is shown once
    shown = [str(m) for m in get_messages(request)]
    assert not refused.ok
    assert isinstance(refused.error, WaveClosed)
    assert fine.ok
    assert shown[0] == "Platform A: The wave is closed."
    assert "<code>k-123</code>" in shown[1]


@pytest.mark.django_db
def test_a_task_is_queued_by_its_name_once_the_transaction_commits(django_capture_on_commit_callbacks):
    # given a change that queues the webhook sweep by name
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        enqueue_after_commit("webhooks.sweep")

    # then what runs after commit names a registered task, and nothing imported it
    assert callbacks == [QueuedTask("webhooks.sweep", {})]
    assert task_by_name("webhooks.sweep").name == "webhooks.sweep"


def test_a_registry_keeps_one_item_per_key_in_order():
    # given a registry two apps register into, one of them twice (ready() ran again)
    panels: Registry[str] = Registry("tests.panels")
    panels.register("b", "first")
    panels.register("a", "second")
    panels.register("b", "first again")

    # then each key holds its latest item, in the order first registered
    assert panels.items() == ["first again", "second"]
    assert (panels.get("a"), panels.get("z"), len(panels)) == ("second", None, 2)


def test_every_task_queued_by_name_is_a_registered_task():
    # given every name the code queues a task by
    root = Path(__file__).resolve().parents[2]
    queued = {
        match
        for package in ("prakerja", "partners", "courses", "applicants")
        for path in (root / package).rglob("*.py")
        for match in re.findall(r"enqueue(?:_after_commit)?\(\s*\"([\w.]+)\"", path.read_text())
    }

    # then each is the name of a task the worker registers
    assert queued
    for name in queued:
        assert task_by_name(name).name == name
