"""The verifiers' queue in the admin: open groups listed in a fixed number of queries, decided
from the group's page with a reason, a pass started from the queue and its progress shown."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applicants.duplicates.models import DuplicateGroup, DuplicateScan, GroupStatus, ScanStatus
from applicants.duplicates.services.scan import duplicates_scan
from prakerja.accounts.roles import FINANCE, PMO_ADMIN, VERIFIER
from prakerja.core.actor import Actor
from tests.applicants.duplicates.setups import Someone, people
from tests.conftest import run_after_commit_tasks
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:applicants_duplicategroup_changelist")
# session, user, permissions, the page of groups and its count: the same for 2 groups as for 27
QUEUE_QUERIES = 9


@pytest.fixture(autouse=True)
def _setup(regions: None, staff_groups: None) -> None:
    pass


def client_of(group: str) -> Client:
    client = Client()
    client.force_login(StaffUserFactory.create(group=group))
    return client


def plant_groups(count: int, *, start: int = 0) -> None:
    people([Someone(phone=f"+628129000{n:04d}") for n in range(start, start + count) for _ in (0, 1)])
    duplicates_scan(actor=Actor.system("test"))


def test_the_queue_lists_open_groups_in_a_fixed_number_of_queries() -> None:
    client = client_of(VERIFIER)
    plant_groups(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(QUEUE).status_code == 200
    plant_groups(25, start=100)
    with CaptureQueriesContext(connection) as many:
        response = client.get(QUEUE)
    assert response.status_code == 200
    assert len(many) == len(few) == QUEUE_QUERIES, [q["sql"][:80] for q in many.captured_queries]
    # decided groups leave the queue (shown on asking for them)
    DuplicateGroup.objects.filter(pk__in=DuplicateGroup.objects.order_by("pk")[:5].values("pk")).update(
        status=GroupStatus.CLEARED, decision_reason="Orang berbeda"
    )
    assert len(client.get(QUEUE).context["cl"].result_list) == 22
    assert len(client.get(QUEUE + "?status=all").context["cl"].result_list) == 27


def test_a_verifier_clears_and_confirms_from_the_groups_page() -> None:
    # Given two open groups and a verifier
    plant_groups(2)
    first, second = DuplicateGroup.objects.order_by("pk")
    client = client_of(VERIFIER)
    page = client.get(reverse("admin:applicants_duplicategroup_change", args=[first.pk]))
    assert page.status_code == 200
    assert reverse("admin:applicants_duplicategroup_clear", args=[first.pk]) in page.content.decode()
    # When the verifier clears the first without a reason, Then asked again; with one, cleared
    url = reverse("admin:applicants_duplicategroup_clear", args=[first.pk])
    assert client.post(url, {"reason": ""}).status_code == 200
    assert client.post(url, {"reason": "Saudara kembar"}).status_code == 302
    first.refresh_from_db()
    assert first.status == GroupStatus.CLEARED
    # When the verifier confirms the second, keeping its first member
    keep = second.members.order_by("applicant_id").first()
    assert keep is not None
    url = reverse("admin:applicants_duplicategroup_confirm", args=[second.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"keep": keep.applicant_id, "reason": "Satu orang dua akun"}).status_code == 302
    second.refresh_from_db()
    assert second.status == GroupStatus.CONFIRMED


def test_others_cannot_decide_and_finance_does_not_see_the_queue() -> None:
    plant_groups(1)
    group = DuplicateGroup.objects.get()
    pmo = client_of(PMO_ADMIN)
    assert pmo.get(QUEUE).status_code == 200
    assert (
        pmo.post(reverse("admin:applicants_duplicategroup_clear", args=[group.pk]), {"reason": "x"}).status_code == 403
    )
    assert client_of(FINANCE).get(QUEUE).status_code == 403
    group.refresh_from_db()
    assert group.status == GroupStatus.OPEN


def test_staff_start_a_pass_from_the_queue_and_follow_its_progress(django_capture_on_commit_callbacks) -> None:
    # Given two accounts sharing a phone and a verifier on the queue
    people([Someone(phone="+6281290001111"), Someone(phone="+6281290001111")])
    client = client_of(VERIFIER)
    assert reverse("admin:applicants_duplicategroup_scan") in client.get(QUEUE).content.decode()
    # When the verifier starts a pass, Then it is queued by name and runs on the batch queue
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("admin:applicants_duplicategroup_scan"))
    assert response.status_code == 302
    assert [c.name for c in callbacks if hasattr(c, "name")] == ["batch.duplicates_scan"]
    scan = DuplicateScan.objects.get()
    progress = client.get(reverse("admin:applicants_duplicatescan_progress", args=[scan.pk])).json()
    assert progress["status"] == ScanStatus.RUNNING
    run_after_commit_tasks(callbacks)
    # Then the pass is done, its progress complete, and the group in the queue
    progress = client.get(reverse("admin:applicants_duplicatescan_progress", args=[scan.pk])).json()
    assert progress == {"status": "done", "stage": "done", "done": 7, "total": 7}
    assert DuplicateGroup.objects.count() == 1
    assert client.get(reverse("admin:applicants_duplicatescan_change", args=[scan.pk])).status_code == 200


def test_a_pass_left_running_by_a_killed_worker_does_not_block_the_next() -> None:
    # Given a pass recorded as running whose worker died (nothing holds the pass's lock)
    stale = DuplicateScan.objects.create(trigger="task", stages_total=7)
    # When staff start a pass, Then it is queued and the stale one shows as failed
    response = client_of(VERIFIER).post(reverse("admin:applicants_duplicategroup_scan"))
    assert response.status_code == 302
    stale.refresh_from_db()
    assert stale.status == ScanStatus.FAILED
    assert DuplicateScan.objects.filter(status=ScanStatus.RUNNING).count() == 1
