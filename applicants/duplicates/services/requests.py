"""A staff user starts a pass from the admin: recorded, audited, queued after commit."""

from django.db import connection, transaction
from django.utils import timezone

from applicants.duplicates.models import DuplicateScan, ScanStatus
from applicants.duplicates.services.scan import LOCK_NAMESPACE, STAGE_COUNT, DuplicateScanBusy
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.queueing import enqueue_after_commit


def duplicates_scan_request(*, actor: Actor) -> DuplicateScan:
    with transaction.atomic(), connection.cursor() as cursor:
        # The pass holds this lock while it runs: free means nothing runs, and a row still
        # "running" was left by a killed worker (or is queued and will find itself superseded).
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, 0)", [LOCK_NAMESPACE])
        if not cursor.fetchone()[0]:
            raise DuplicateScanBusy()
        DuplicateScan.objects.filter(status=ScanStatus.RUNNING).update(
            status=ScanStatus.FAILED, finished_at=timezone.now()
        )
        scan = DuplicateScan.objects.create(trigger="staff", requested_by=actor.user, stages_total=STAGE_COUNT)
        audit_record(actor=actor, action="duplicates.scan_requested", target=scan, payload={})
        enqueue_after_commit("batch.duplicates_scan", scan_id=scan.pk)
    return scan
