"""A plain first commit of a redeem code (issued, the institution's, no session window to check)
is one statement (courses.services.redemption_sql): it answers as the full rules do, and of
concurrent commits of one code exactly one uses it, the others being refused as before."""

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction

from courses.models import RedeemCode, RedeemCodeStatus
from courses.services import redemption
from courses.services.redemption import RedeemCodeRefused, redeem_code_commit, redeem_code_issue
from tests.courses.test_integration_protocol import COMMIT, STATUS, Institution
from tests.factories import CourseFactory

CODE_FIELDS = {"redeem_code", "redeem_at"}  # differ between two codes by nature


def _comparable(response: Any) -> tuple[int, dict[str, Any]]:
    body = response.json()
    return response.status_code, {**body, "data": {k: v for k, v in body["data"].items() if k not in CODE_FIELDS}}


@pytest.mark.django_db
def test_a_plain_first_commit_answers_as_the_full_rules_do(monkeypatch):
    # Given two issued codes of one course
    lp = Institution()
    course = CourseFactory.create(institution=lp.record)
    fast, full = (
        redeem_code_issue(course=course, invoice_code="INV-20261201-A", platform_name="Pijar Mahir") for _ in range(2)
    )

    # When one is committed through the one statement and the other through the full rules
    fast_answer = lp.call(COMMIT, {"redeem_code": fast.code.lower()})
    with monkeypatch.context() as rules_only:
        rules_only.setattr(redemption, "redeem_code_use_if_plain", lambda **_: None)
        full_answer = lp.call(COMMIT, {"redeem_code": full.code})
        full_again = lp.call(COMMIT, {"redeem_code": full.code})
    fast_again = lp.call(COMMIT, {"redeem_code": fast.code})

    # Then both answers, both second commits and both rows are the same
    assert _comparable(fast_answer) == _comparable(full_answer)
    assert fast_answer.json()["data"]["status"] == 2
    assert fast_answer.json()["data"]["redeem_at"]
    assert _comparable(fast_again) == _comparable(full_again)
    assert fast_again.json()["data"]["reason"] == "already_used"
    rows = {code.pk: code for code in RedeemCode.objects.filter(pk__in=[fast.pk, full.pk])}
    assert {rows[fast.pk].status, rows[full.pk].status} == {RedeemCodeStatus.USED}
    assert rows[fast.pk].used_at is not None
    assert rows[full.pk].used_at is not None
    # And the status call shows the commit
    assert lp.call(STATUS, {"redeem_code": fast.code}).json()["data"]["status"] == 2


@pytest.mark.django_db(transaction=True)
def test_of_concurrent_commits_of_one_code_exactly_one_uses_it():
    # Given an issued code whose row another transaction holds locked
    lp = Institution()
    code = redeem_code_issue(course=CourseFactory.create(institution=lp.record))
    locked, results = threading.Event(), []

    def holder() -> None:
        try:
            with transaction.atomic():
                RedeemCode.objects.select_for_update().get(pk=code.pk)
                locked.set()
                time.sleep(0.5)  # the committers queue on the row's lock meanwhile
        finally:
            connection.close()

    def committer() -> None:
        try:
            locked.wait()
            redeem_code_commit(code=code.code, institution_id=lp.record.pk)
            results.append("used")
        except RedeemCodeRefused as refused:
            results.append(refused.reason)
        finally:
            connection.close()

    # When three commits of it wait for the lock and then run at once
    threads = [threading.Thread(target=holder), *(threading.Thread(target=committer) for _ in range(3))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then one used it and the others were told it is used
    assert sorted(results) == ["already_used", "already_used", "used"]
    assert RedeemCode.objects.get(pk=code.pk).status == RedeemCodeStatus.USED
