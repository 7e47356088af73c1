"""The integration protocol reads an institution and its keys once per server process and reuses
them: a suspension or a key revocation made by another process is still honoured on the next
call (the institutions' version in Redis, read in the round trip the replay guard makes anyway),
and what bumps nothing at most INSTITUTION_CACHE_SECONDS later. The call log is written in
batches. Queries and Redis round trips of a status call, and a commit's statements, are pinned."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.integration import call_log, institutions
from courses.models import IntegrationCall, TrainingInstitution
from courses.services.institutions import signing_keys_revoke
from prakerja.core.actor import Actor
from tests.courses.test_integration_protocol import COMMIT, STATUS, Institution, code_for
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def another_process_changed_institutions() -> None:
    """What institutions_changed does in another server process: this one's memory is kept."""
    institutions.redis_client().incr(institutions.version_key())


def test_an_institution_suspended_by_another_process_is_refused_on_the_next_call():
    # Given an institution this process has read and served
    lp = Institution()
    code = code_for(lp)
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 200

    # When another process suspends it without this process hearing of it
    TrainingInstitution.objects.filter(pk=lp.record.pk).update(status="suspended")
    another_process_changed_institutions()

    # Then the next call is refused
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 403


def test_revoked_keys_are_refused_on_the_next_call():
    # Given a served institution
    lp = Institution()
    code = code_for(lp)
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 200

    # When its keys are revoked (a bulk update: the service bumps the version itself)
    signing_keys_revoke(institution=lp.record, actor=Actor.for_user(StaffUserFactory.create()))

    # Then the old key no longer works
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 401


def test_a_change_that_bumps_nothing_is_honoured_after_the_cache_time(monkeypatch):
    lp = Institution()
    code = code_for(lp)
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 200
    TrainingInstitution.objects.filter(pk=lp.record.pk).update(status="suspended")
    monkeypatch.setattr(institutions, "INSTITUTION_CACHE_SECONDS", 0)
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 403


def test_a_status_call_makes_two_queries_and_one_redis_round_trip(monkeypatch):
    # Given an institution this process has read (and its keys decrypted)
    lp = Institution()
    code = code_for(lp)
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 200
    client = institutions.redis_client()
    commands, pipelines = [], []
    original_command = type(client).execute_command
    original_execute = type(client.pipeline()).execute

    def counted(self, *args, **kwargs):
        commands.append(args[0])
        return original_command(self, *args, **kwargs)

    def pipeline_execute(self, *args, **kwargs):
        pipelines.append(len(self.command_stack))
        return original_execute(self, *args, **kwargs)

    monkeypatch.setattr(type(client), "execute_command", counted)
    monkeypatch.setattr(type(client.pipeline()), "execute", pipeline_execute)

    # When it asks for a code's status
    with CaptureQueriesContext(connection) as queries:
        response = lp.call(STATUS, {"redeem_code": code.code})

    # Then: the code with its course, schedule and whether it has attendances in one statement,
    # the call's log row (batched in production); Redis: one pipeline (replay guard, the
    # institution's counter and its expiry, the institutions' version) and nothing else
    assert response.status_code == 200
    assert len(queries) == 2, [q["sql"] for q in queries]
    assert queries[0]["sql"].startswith('SELECT "rc"."id"')
    assert (pipelines, commands) == ([4], [])


def test_a_first_commit_is_one_statement_and_the_purchases_one_more():
    # Given a served institution and an issued code of a self-paced course (no purchase behind it)
    lp = Institution()
    code = code_for(lp)
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 200

    # When the institution commits it
    with CaptureQueriesContext(connection) as queries:
        response = lp.call(COMMIT, {"redeem_code": code.code})

    # Then the code is locked and marked used by one statement, the purchase of the code (none
    # here) looked up and marked started by one more, inside one transaction (a savepoint in
    # the test's transaction), and the call's log row
    assert (response.status_code, response.json()["data"]["status"]) == (200, 2)
    statements = [q["sql"] for q in queries]
    assert len(statements) == 5, statements
    assert statements[0].startswith("SAVEPOINT")
    assert statements[1].startswith('WITH rc AS (UPDATE "courses_redeemcode"')
    assert statements[2].startswith('WITH p AS (UPDATE "partners_purchase"')
    assert statements[3].startswith("RELEASE SAVEPOINT")
    assert statements[4].startswith('INSERT INTO "courses_integrationcall"')


@pytest.fixture
def batched_log(settings):
    settings.INTEGRATION_LOG_BUFFER_ROWS = 3
    settings.INTEGRATION_LOG_FLUSH_SECONDS = 3600
    yield
    call_log.integration_call_log_flush()


def test_the_call_log_is_written_in_batches_and_when_the_process_exits(batched_log):
    # Given a server process that keeps up to three rows before writing them
    lp = Institution()
    code = code_for(lp)

    # When the institution makes two calls, nothing is written yet; on the third, all three
    for _ in range(2):
        assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 200
    assert IntegrationCall.objects.filter(institution=lp.record).count() == 0
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 200
    assert IntegrationCall.objects.filter(institution=lp.record).count() == 3

    # And a row still in the buffer is written when the process exits (atexit)
    assert lp.call(STATUS, {"redeem_code": code.code}).status_code == 200
    call_log.integration_call_log_flush()
    assert IntegrationCall.objects.filter(institution=lp.record).count() == 4
