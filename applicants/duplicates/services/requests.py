"""A staff user starts a pass from the admin: recorded, audited, queued after commit."""

from django.db import transaction

from applicants.duplicates.models import DuplicateScan, ScanStatus
from applicants.duplicates.services.scan import STAGE_COUNT, DuplicateScanBusy
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.queueing import enqueue_after_commit


def duplicates_scan_request(*, actor: Actor) -> DuplicateScan:
    with transaction.atomic():
        if DuplicateScan.objects.select_for_update().filter(status=ScanStatus.RUNNING).exists():
            raise DuplicateScanBusy()
        scan = DuplicateScan.objects.create(trigger="staff", requested_by=actor.user, stages_total=STAGE_COUNT)
        audit_record(actor=actor, action="duplicates.scan_requested", target=scan, payload={})
        enqueue_after_commit("batch.duplicates_scan", scan_id=scan.pk)
    return scan
