"""The public open-data page (/data/) and its downloads: published from the dashboard's
snapshots as dated releases, small counts suppressed, no personal field, the same cached page
for everyone in both languages, and malformed addresses answered 4xx."""

import datetime as dt
import json
import random
import re
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from applicants.models import Applicant
from prakerja.core.beat import SCHEDULED_TASKS, periodic_task_allowed
from prakerja.core.dashboard import dashboard_refresh
from prakerja.core.models import DashboardSnapshot
from prakerja.opendata.datasets import SUPPRESSED, THRESHOLD, Field, suppress
from prakerja.opendata.models import OpenDataRelease
from prakerja.opendata.services import release_publish
from prakerja.opendata.tasks import opendata_publish_task
from tests.factories import StaffUserFactory
from tests.prakerja.opendata.helpers import downloads, rows_of, small_programme

pytestmark = pytest.mark.django_db

# Names of fields that would hold something about one person.
PERSONAL = re.compile(
    r"nik|kk\b|family|name$|full_name|email|phone|birth|address|account|gender|applicant|user|card_number|ktp"
)


@pytest.fixture(autouse=True)
def _setup(regions: None, training_fund: int) -> None:
    """Participants need provinces and a funded programme."""


def people_cells(release: OpenDataRelease, url: str, rows: list[dict]) -> list[object]:
    key = url.rsplit("/", 1)[1].split(".")[0]
    if key not in release.tables:
        return []
    people = [f["name"] for f in release.tables[key]["fields"] if f["people"]]
    return [row[name] for row in rows for name in people]


def assert_no_small_cell_and_no_personal_field(release: OpenDataRelease, bodies: dict[str, bytes]) -> None:
    for url, body in bodies.items():
        rows = rows_of(url, body)
        for cell in people_cells(release, url, rows):
            value = cell if not isinstance(cell, str) or cell in ("", SUPPRESSED) else float(cell)
            small = isinstance(value, int | float) and 0 < value < THRESHOLD
            assert not small, (url, cell)
        for row in rows:
            assert not any(PERSONAL.search(name) for name in row), (url, list(row))
    package = json.loads(next(b for u, b in bodies.items() if u.endswith("datapackage.json")))
    names = [f["name"] for r in package["resources"] for f in r["schema"]["fields"]]
    assert names
    assert not [n for n in names if PERSONAL.search(n)]


def test_suppression_hides_small_counts_one_more_in_their_column_and_what_is_derived_from_them():
    # given a column with one count under 10, a zero, and a share computed from the count
    fields = (
        Field("province", "Province", type="string"),
        Field("people", "People", people=True),
        Field("share", "Share", type="number", depends_on=("people",)),
    )
    rows = [
        {"province": "A", "people": 4, "share": 4.0},
        {"province": "B", "people": 30, "share": 30.0},
        {"province": "C", "people": 66, "share": 66.0},
        {"province": "D", "people": 0, "share": 0.0},
    ]

    # when suppressed
    out = suppress(rows, fields)

    # then the small count, the next smallest (so the total cannot give it back) and their
    # shares are hidden; zero and the big count stay
    assert [row["people"] for row in out] == [SUPPRESSED, SUPPRESSED, 66, 0]
    assert [row["share"] for row in out] == [SUPPRESSED, SUPPRESSED, 66.0, 0.0]
    assert rows[0]["people"] == 4  # the input is left alone


def test_a_release_is_made_from_the_snapshots_once_per_day_and_earlier_ones_are_kept():
    # given computed figures
    small_programme()
    dashboard_refresh()

    # when the job publishes twice on a day, and again another day
    first = opendata_publish_task.apply().get()
    again = release_publish()
    later = release_publish(date=timezone.localdate() + dt.timedelta(days=1))

    # then one release per day, dated by the snapshots' day, with every data set and headline
    assert first == timezone.localdate().isoformat()
    assert again is not None
    assert again.date.isoformat() == first
    assert later is not None
    assert OpenDataRelease.objects.count() == 2
    assert {"headline", "provinces", "waves", "complaints", "incentives", "courses_by_category"} <= set(again.tables)
    assert again.totals["registrants"] == 23
    assert again.totals["incentive_paid"] == 12
    # and the job is one beat may run, scheduled every morning by its migration (run again
    # here: a transactional test before this one may have emptied the schedules)
    assert "batch.opendata_publish" in SCHEDULED_TASKS
    import_module("prakerja.opendata.migrations.0002_publish_schedule").schedule(django_apps, None)
    job = PeriodicTask.objects.get(task="batch.opendata_publish")
    assert job.crontab is not None
    assert periodic_task_allowed(task=job)


def test_no_download_holds_a_count_under_ten_or_anything_about_a_person():
    # given a programme of small groups (5 or 6 participants per province, a handful of
    # complaints in a category) and its release
    small_programme()
    dashboard_refresh()
    release = release_publish()
    assert release is not None

    # when every download is fetched, dated and latest, CSV and JSON
    bodies = downloads(Client(), release)

    # then no count of people is between 1 and 9, no field is a personal one
    assert_no_small_cell_and_no_personal_field(release, bodies)
    # and nothing of any applicant appears in any file
    secrets = set()
    for applicant in Applicant.objects.select_related("user"):
        secrets |= {applicant.user.email, applicant.full_name, applicant.phone, applicant.nik_masked, applicant.address}
    secrets -= {"", None}
    text = b"\n".join(bodies.values()).decode()
    assert not [s for s in secrets if s in text]
    assert not re.search(r"\d{16}|@", text)
    # and the small provinces really are suppressed, with the licence line on top of each CSV
    provinces = rows_of("x.csv", next(b for u, b in bodies.items() if u.endswith("/latest/provinces.csv")))
    assert provinces
    assert all(row["participants"] == SUPPRESSED for row in provinces)
    csv_body = next(b for u, b in bodies.items() if u.endswith(".csv")).decode()
    assert csv_body.startswith("# Kartu Prakerja open data")
    assert "CC-BY-4.0" in csv_body.splitlines()[0]


def test_no_download_holds_a_small_cell_whatever_the_snapshots_hold():
    # given snapshots full of small and large counts in every section the data sets read
    rng = random.Random(7)

    def n() -> int:
        return rng.choice([0, 1, 3, 9, 10, 11, 250])

    now = timezone.now()
    days = [(now.date() - dt.timedelta(days=d)).isoformat() for d in range(30)]
    snapshots = {
        "funnel": {
            "stages": [],
            "total": [n() for _ in range(10)],
            "provinces": [{"province": f"P{p}", "counts": [n() for _ in range(10)]} for p in range(38)],
            "waves": [
                {"number": w, "status": "announced", "quota": 100, "counts": [n() for _ in range(6)]}
                for w in range(1, 20)
            ],
        },
        "public_applicants": {
            "complaints": [
                {"category": c, "filed": n(), "resolved": n(), "within_target": n()} for c in ("incentive", "other")
            ],
            "incentives": [
                {"month": f"2026-{m:02d}", "people": n(), "instalments": n(), "amount": 600_000} for m in range(1, 13)
            ],
            "incentives_total": {"people": n(), "amount": 7},
        },
        "public_courses": {
            "categories": [{"name": f"C{c}", "purchases": n(), "completed": n()} for c in range(12)],
            "platforms": [{"name": f"X{c}", "purchases": n(), "completed": n()} for c in range(8)],
        },
        "purchases": {
            "days": days,
            "purchases": {"A": [n() for _ in days], "B": [n() for _ in days]},
            "completions": {"A": [n() for _ in days]},
        },
    }
    for key, data in snapshots.items():
        DashboardSnapshot.objects.create(key=key, data=data, computed_at=now)

    # when published and downloaded
    release = release_publish()
    assert release is not None
    assert len(release.tables) == 8
    bodies = downloads(Client(), release)

    # then no cell of people is under the threshold, in any file
    assert_no_small_cell_and_no_personal_field(release, bodies)


def test_the_page_is_public_the_same_for_everyone_and_cached(django_user_model):
    # given a release
    small_programme()
    dashboard_refresh()
    release_publish()
    client = Client()

    # when anybody opens the page, in Indonesian and in English
    with CaptureQueriesContext(connection) as first:
        page = client.get(reverse("opendata:page"))
    with CaptureQueriesContext(connection) as second:
        again = client.get(reverse("opendata:page"))
    english = Client(headers={"accept-language": "id"}).get(reverse("opendata:page-en"))

    # then it is the figures with a chart and a table for each, in the path's language
    assert page.status_code == 200
    assert english.status_code == 200
    body, body_en = page.content.decode(), english.content.decode()
    assert "Angka program" in body
    assert 'lang="id"' in body
    assert "Programme figures" in body_en
    assert 'lang="en"' in body_en
    assert body.count("<canvas") >= 5
    assert body.count("<table") >= 5
    assert "chart.umd.min.js" in body
    assert "provinces.csv" in body
    # and a CDN may keep it: public, no cookie, no Vary on the language header or a cookie
    assert page["Cache-Control"] == "public, max-age=300"
    assert not page.cookies
    assert "Vary" not in page
    assert page["Content-Language"] == "id"
    assert english["Content-Language"] == "en"
    assert "csrfmiddlewaretoken" not in body
    # and it reads a handful of rows, then this process answers from its copy with no query
    assert len(first) <= 3
    assert len(second) == 0
    assert again.content == page.content
    assert client.get(reverse("opendata:page"), headers={"if-none-match": page["ETag"]}).status_code == 304
    # and the public site's footer leads to it
    assert reverse("opendata:page") in Client().get(reverse("landing")).content.decode()


def test_a_signed_in_reader_gets_the_same_page_and_no_cookie_is_ever_shared(staff_groups):
    # given a release and a signed-in staff member (their session is refreshed as they browse)
    DashboardSnapshot.objects.create(
        key="funnel", data={"total": [20] * 10, "provinces": [], "waves": []}, computed_at=timezone.now()
    )
    release_publish()
    staff = Client()
    staff.force_login(StaffUserFactory.create(group="pmo_admin"))

    # when they open the page
    page = staff.get(reverse("opendata:page"))

    # then it is the public page, and an answer that sets a cookie is never marked public
    assert page.status_code == 200
    assert "Angka program" in page.content.decode()
    if page.cookies:
        assert page["Cache-Control"] == "private, no-cache"
    else:
        assert page["Cache-Control"] == "public, max-age=300"


def test_before_the_first_release_the_page_says_so():
    page = Client().get(reverse("opendata:page"))
    assert page.status_code == 200
    assert "Belum ada angka" in page.content.decode()
    assert Client().get(reverse("opendata:download", args=["latest", "headline.csv"])).status_code == 404


@pytest.mark.parametrize(
    ("release", "filename", "status"),
    [
        ("2026-13-45", "headline.csv", 400),
        ("yesterday", "headline.csv", 400),
        ("20261201", "headline.csv", 400),
        ("latest", "headline.xml", 400),
        ("latest", "headline", 400),
        ("latest", "..%2f..%2fsettings.py", 404),
        ("latest", "headline.csv.exe", 400),
        ("latest", "nothing.csv", 404),
        ("latest", "datapackage.csv", 404),
        ("1999-01-01", "headline.csv", 404),
    ],
)
def test_malformed_or_unknown_download_addresses_are_answered_4xx(release, filename, status):
    # given a release
    DashboardSnapshot.objects.create(
        key="funnel", data={"total": [20] * 10, "provinces": [], "waves": []}, computed_at=timezone.now()
    )
    DashboardSnapshot.objects.create(key="public_applicants", data={}, computed_at=timezone.now())
    assert release_publish() is not None

    # when an address names a bad date, an unknown format or data set, or no release
    response = Client().get(f"/data/releases/{release}/{filename}")

    # then it is refused, never a server error
    assert response.status_code == status


def test_the_downloads_only_answer_reads():
    assert Client().post(reverse("opendata:download", args=["latest", "headline.csv"])).status_code == 405
    assert Client().get("/data/releases/latest/headline.csv?format=xml").status_code in (200, 404)
