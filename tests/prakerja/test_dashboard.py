"""The programme dashboard on the admin home: the refresh job's figures (funnel overall, per
province and per wave; runs; purchases; scores), what each group sees, how fresh it says it is,
a fixed number of queries whatever the size, "refresh now" audited, and the job on a worker."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applicants.models import Step
from prakerja.audit.models import AuditEvent
from prakerja.core.dashboard import dashboard_refresh, sections
from prakerja.core.models import DashboardSnapshot
from prakerja.core.tasks import dashboard_refresh_task
from tests.applicants.incentive_setups import participants
from tests.celery_worker import celery_worker
from tests.conftest import run_after_commit_tasks
from tests.factories import ApplicantFactory, StaffUserFactory, WaveFactory, WaveMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(regions: None, staff_groups: None, training_fund: int) -> None:
    """Applicants need provinces, staff their groups, cards a funded programme."""


def staff(group: str) -> Client:
    client = Client()
    client.force_login(StaffUserFactory.create(group=group))
    return client


def test_the_funnel_counts_each_stage_overall_per_province_and_per_wave():
    # given 2 applicants waiting for their email, 1 at identity, 1 who passed the test, 1 in an
    # open wave, and 3 selected participants of a closed wave
    for _ in range(2):
        ApplicantFactory.create(reached=Step.VERIFY_EMAIL)
    ApplicantFactory.create(reached=Step.IDENTITY)
    ApplicantFactory.create(reached=Step.READY)
    open_wave = WaveFactory.create(national_quota=10)
    WaveMemberFactory.create(wave=open_wave)
    cards = participants(3)

    # when the job computes the figures
    dashboard_refresh()

    # then each stage counts those who reached it
    funnel = DashboardSnapshot.objects.get(key="funnel").data
    stages = dict(zip(funnel["stages"], funnel["total"], strict=True))
    assert stages["registered"] == 8
    assert stages["email_verified"] == 6
    assert stages["joined"] == 4
    assert stages["selected"] == 3
    assert stages["purchased"] == 0
    # and per wave: the closed one is full, the open one has a member and nobody selected
    waves = {wave["number"]: wave for wave in funnel["waves"]}
    assert waves[cards[0].wave.number]["counts"][:2] == [3, 3]
    assert waves[cards[0].wave.number]["quota_use"] == 100.0
    assert waves[open_wave.number]["counts"][:2] == [1, 0]
    # and per province, the provinces add up to the whole
    assert sum(row["counts"][0] for row in funnel["provinces"]) == 8


def test_each_group_sees_the_sections_of_its_job_with_their_freshness():
    # given computed figures
    dashboard_refresh()

    # when staff of different groups open the admin home
    finance = staff("finance").get(reverse("admin:index")).content.decode()
    curator = staff("curator").get(reverse("admin:index")).content.decode()
    manager = staff("partner_manager").get(reverse("admin:index")).content.decode()

    # then everybody sees the funnel and purchases with when they were computed; money and
    # scores only those whose job it is
    for page in (finance, curator, manager):
        assert 'id="dash-funnel"' in page
        assert 'id="dash-purchases"' in page
        assert "Per " in page
    assert 'id="dash-disbursement"' in finance
    assert 'id="dash-disbursement"' not in curator
    assert 'id="dash-scores"' in manager
    assert 'id="dash-scores"' not in curator
    assert "chart.umd.min.js" in finance


def test_the_admin_home_costs_the_same_queries_whatever_the_programme_size():
    # given a small programme's figures
    participants(2)
    dashboard_refresh()
    client = staff("pmo_admin")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("admin:index")).status_code == 200
        return len(captured)

    few = queries()
    # when the programme grows and the figures are recomputed
    participants(20, tag="q")
    for _ in range(10):
        ApplicantFactory.create(reached=Step.READY)
    dashboard_refresh()

    # then the page asks the database as often as before
    assert queries() == few


def test_before_the_first_run_the_page_says_so_and_refresh_now_is_audited(django_capture_on_commit_callbacks):
    # given no figures yet
    client = staff("pmo_admin")
    assert "Belum dihitung" in client.get(reverse("admin:index")).content.decode()

    # when a staff user presses "refresh now"
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("dashboard-refresh"))
    run_after_commit_tasks(callbacks)

    # then the job ran, the request is audited, and the page shows the figures
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="dashboard.refresh_requested").count() == 1
    assert DashboardSnapshot.objects.filter(key="funnel").exists()
    assert 'id="dash-funnel-data"' in client.get(reverse("admin:index")).content.decode()
    # and pressing again within the minute does not queue another run
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("dashboard-refresh"))
    assert callbacks == []
    assert AuditEvent.objects.filter(action="dashboard.refresh_requested").count() == 1


def test_applicants_cannot_ask_for_a_refresh():
    applicant = ApplicantFactory.create(reached=Step.READY)
    client = Client()
    client.force_login(applicant.user)
    response = client.post(reverse("dashboard-refresh"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not AuditEvent.objects.filter(action="dashboard.refresh_requested").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
@pytest.mark.xdist_group("worker")
def test_the_refresh_job_runs_on_a_worker(tmp_path):
    # given applicants
    for _ in range(3):
        ApplicantFactory.create(reached=Step.READY)

    # when beat's task is sent to a real worker
    with celery_worker(tmp_path) as worker:
        durations = dashboard_refresh_task.apply_async(queue=worker.queue).get(timeout=60)

    # then every section was computed and stored (the open-data sections too, issue 23)
    assert set(durations) == {section.key for section in sections()}, worker.log()
    assert {"funnel", "purchases", "disbursement", "scores"} <= set(durations)
    assert DashboardSnapshot.objects.get(key="funnel").data["total"][0] == 3
