"""The integration protocol's status and commit endpoints: signing, envelope, every error case."""

import datetime as dt
import json
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from courses.integration.signing import integration_signature
from courses.models import IntegrationCall, RedeemCode
from courses.services.institutions import signing_key_issue
from courses.services.redemption import redeem_code_cancel, redeem_code_issue
from prakerja.core.actor import Actor
from tests.factories import CourseFactory, InstitutionFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

STATUS = "/api/v1/integration/payment/redeem-code/status"
COMMIT = "/api/v1/integration/payment/redeem-code/commit"


class Institution:
    def __init__(self) -> None:
        self.record = InstitutionFactory.create()
        self.key = signing_key_issue(
            institution=self.record, actor=Actor.for_user(StaffUserFactory.create()), overlap=None
        )
        self.client = Client()
        self.calls = 0
        self.clock = int(time.time())

    def call(self, path: str, body: dict[str, Any], *, timestamp: int | None = None, key: str | None = None) -> Any:
        # The protocol's timestamps are seconds: identical requests need different ones, or the
        # second is a replay. Each call goes one second further back from one clock reading
        # (reading the clock per call could repeat a stamp as time moves on).
        self.calls += 1
        stamp = str(timestamp or self.clock - self.calls)
        compact = json.dumps(body, separators=(",", ":"))
        signature = integration_signature(
            sign_key=key or self.key,
            client_code=self.record.client_code,
            timestamp=stamp,
            method="POST",
            path=path,
            body=compact,
        )
        return self.client.post(
            path,
            json.dumps(body),  # Python's default: spaces after ":" and ","
            content_type="application/json",
            headers={"client_code": self.record.client_code, "timestamp": stamp, "signature": signature},
        )


def code_for(institution: Institution, **course: Any) -> RedeemCode:
    return redeem_code_issue(
        course=CourseFactory.create(institution=institution.record, **course),
        invoice_code="INV-20261127-ABC",
        platform_name="Pijar Mahir",
    )


def test_status_then_commit_then_already_used():
    lp = Institution()
    code = code_for(lp)
    status = lp.call(STATUS, {"redeem_code": code.code})
    body = status.json()
    assert (status.status_code, body["success"]) == (200, True)
    assert body["data"]["status"] == 1
    assert body["data"]["dp_platform"] == "Pijar Mahir"
    assert body["data"]["invoice_code"] == "INV-20261127-ABC"
    assert body["data"]["course_type"] == 1
    committed = lp.call(COMMIT, {"redeem_code": code.code})
    assert committed.json()["data"]["status"] == 2
    assert committed.json()["data"]["redeem_at"]
    again = lp.call(COMMIT, {"redeem_code": code.code})
    assert (again.status_code, again.json()["success"]) == (409, False)
    assert again.json()["data"]["reason"] == "already_used"
    assert IntegrationCall.objects.filter(institution=lp.record).count() == 3


def test_a_wrong_signature_or_unknown_client_never_reveals_the_code():
    lp = Institution()
    code = code_for(lp)
    forged = lp.call(STATUS, {"redeem_code": code.code}, key="bukan-kunci")
    missing = lp.call(STATUS, {"redeem_code": "TIDAKADA1234"}, key="bukan-kunci")
    assert forged.status_code == missing.status_code == 401
    assert forged.json() == missing.json()
    assert lp.call(STATUS, {"redeem_code": code.code}, timestamp=int(time.time()) - 400).status_code == 401


def test_a_replayed_signature_is_refused():
    lp = Institution()
    code = code_for(lp)
    stamp = int(time.time())
    assert lp.call(STATUS, {"redeem_code": code.code}, timestamp=stamp).status_code == 200
    assert lp.call(STATUS, {"redeem_code": code.code}, timestamp=stamp).status_code == 401


def test_each_error_case_has_its_own_answer():
    lp, other = Institution(), Institution()
    theirs = code_for(other)
    assert lp.call(STATUS, {"redeem_code": "TIDAKADA1234"}).json()["data"]["reason"] == "not_found"
    assert lp.call(STATUS, {"redeem_code": theirs.code}).json()["data"]["reason"] == "other_institution"
    cancelled_purchase = code_for(lp)
    redeem_code_cancel(redeem_code=cancelled_purchase)
    assert lp.call(COMMIT, {"redeem_code": cancelled_purchase.code}).json()["data"]["reason"] == "transaction_cancelled"
    cancelled_code = code_for(lp)
    redeem_code_cancel(redeem_code=cancelled_code, reason="code")
    assert lp.call(COMMIT, {"redeem_code": cancelled_code.code}).json()["data"]["reason"] == "cancelled"
    # A session outside the course's plan (one session, for the factory's course)
    planned = code_for(lp)
    outside = lp.call(COMMIT, {"redeem_code": planned.code, "sequence": 2})
    assert (outside.status_code, outside.json()["data"]["reason"]) == (422, "unknown_session")


def test_webinar_sessions_are_recorded_only_around_their_start(monkeypatch):
    from courses.models import Schedule

    lp = Institution()
    course = CourseFactory.create(institution=lp.record, method="webinar")
    start = timezone.now() + dt.timedelta(minutes=90)
    schedule = Schedule.objects.create(
        course=course, code="WEB-1", starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=50
    )
    code = redeem_code_issue(course=course, schedule=schedule)
    early = lp.call(COMMIT, {"redeem_code": code.code, "sequence": 1})
    assert (early.status_code, early.json()["data"]["reason"]) == (422, "outside_window")
    Schedule.objects.filter(pk=schedule.pk).update(starts_at=timezone.now() + dt.timedelta(minutes=59))
    attended = lp.call(COMMIT, {"redeem_code": code.code, "sequence": 1})
    assert attended.json()["data"]["attendance_status"] == 1
    assert attended.json()["data"]["is_online_attendance"] is True
    assert lp.call(COMMIT, {"redeem_code": code.code, "sequence": 1}).json()["data"]["reason"] == "already_used"


def test_a_suspended_institution_is_refused():
    lp = Institution()
    code = code_for(lp)
    lp.record.status = "suspended"
    lp.record.save()
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 403


def test_the_webinar_window_edges_in_jakarta_time():
    from courses.models import Schedule
    from courses.services.redemption import RedeemCodeRefused, redeem_code_commit

    lp = Institution()
    course = CourseFactory.create(institution=lp.record, method="webinar", planned_sessions=3)
    start = timezone.make_aware(dt.datetime(2026, 12, 1, 19, 0))  # 19:00 WIB
    schedule = Schedule.objects.create(
        course=course, code="WEB-E", starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=10
    )
    hour, second = dt.timedelta(hours=1), dt.timedelta(seconds=1)
    end = schedule.ends_at
    # The first session: its start +/- an hour; later sessions: while the schedule runs (+/- an hour)
    for sequence, moment, allowed in [
        (1, start - hour - second, False),
        (1, start - hour, True),
        (1, start + hour + second, False),
        (2, start - hour - second, False),
        (2, start + hour, True),
        (3, start + hour + second, True),
        (3, end + hour, True),
        (3, end + hour + second, False),
    ]:
        code = redeem_code_issue(course=course, schedule=schedule)
        if allowed:
            redeem_code_commit(code=code.code, institution_id=lp.record.pk, sequence=sequence, now=moment)
        else:
            with pytest.raises(RedeemCodeRefused) as refused:
                redeem_code_commit(code=code.code, institution_id=lp.record.pk, sequence=sequence, now=moment)
            assert refused.value.reason == "outside_window"


def test_each_institution_is_throttled_on_its_own(settings):
    from django.core.cache import cache

    cache.clear()
    settings.INTEGRATION_RATE = "2/m"
    lp, other = Institution(), Institution()
    code = code_for(lp)
    statuses = [lp.call(STATUS, {"redeem_code": code.code}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert other.call(STATUS, {"redeem_code": "TIDAKADA1234"}).status_code == 404


def test_a_new_sign_key_works_at_once_and_the_old_one_during_the_overlap():
    lp = Institution()
    code = code_for(lp)
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 200  # the old key is now cached
    new_key = signing_key_issue(
        institution=lp.record, actor=Actor.for_user(StaffUserFactory.create()), overlap=dt.timedelta(hours=1)
    )
    assert lp.call(STATUS, {"redeem_code": code.code}, key=new_key).status_code == 200
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 200
