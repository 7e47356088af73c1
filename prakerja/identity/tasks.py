"""The face checks' sweep (beat, every minute; on the batch queue, so a busy `identity` queue
does not hold it up). The checks themselves are `identity.selfie_check` (applicants) and
`identity.session_check` (courses)."""

from celery import shared_task

from prakerja.identity import services


@shared_task(name="batch.identity_sweep", acks_late=True)
def identity_sweep() -> int:
    return services.face_job_sweep()
