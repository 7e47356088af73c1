"""The access download is prepared by a real Celery worker: the zip it writes holds the person's
data and both summaries, the email with the link is written to the outbox, and it is audited."""

import json
import zipfile

import pytest

from applicants.data_rights.services import access_request
from applicants.models import AccessRequest, AccessStatus, Step
from prakerja.audit.models import AuditEvent
from prakerja.core.queueing import task_by_name
from prakerja.messaging.models import OutboxMessage
from tests.celery_worker import celery_worker
from tests.factories import ApplicantFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.xdist_group("worker")]


def test_a_worker_prepares_the_access_download_and_the_email(tmp_path, regions):
    # given an applicant who asked for their data
    applicant = ApplicantFactory.create(reached=Step.READY)
    access = access_request(applicant=applicant)
    media = tmp_path / "media"

    # when a real worker runs the preparation (twice: a redelivered message)
    env = {"TEST_FILE_STORAGE": "filesystem", "MEDIA_ROOT": str(media)}
    with celery_worker(tmp_path, env=env) as worker:
        prepare = task_by_name("data_rights.access_prepare")
        for _ in range(2):
            prepare.apply_async(kwargs={"access_id": access.pk}, queue=worker.queue).get(timeout=60)

    # then the request is ready, its zip on the worker's storage holds the data and the summaries
    access = AccessRequest.objects.get(pk=access.pk)
    assert access.status == AccessStatus.READY, worker.log()
    with zipfile.ZipFile(media / access.export.name) as archive:
        assert sorted(archive.namelist()) == ["data.json", "ringkasan.html", "ringkasan.pdf"]
        assert json.loads(archive.read("data.json"))["account"]["email"] == applicant.user.email
        assert archive.read("ringkasan.pdf").startswith(b"%PDF-")
    # and one email with the link waits in the outbox, one preparation is audited
    emails = OutboxMessage.objects.filter(reference=f"data-access:{access.pk}")
    assert emails.count() == 1
    assert "/data-saya/unduh/" in emails.get().body
    assert AuditEvent.objects.filter(action="data_rights.access_prepared").count() == 1
