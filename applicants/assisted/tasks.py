from celery import shared_task

from applicants.assisted.services import assisted_batch_run


@shared_task(name="assisted.batch_register", acks_late=True)
def batch_register(*, batch_id: int) -> int:
    """Register a group's CSV (resumes after a crash: the batch's progress is committed per row)."""
    return assisted_batch_run(batch_id=batch_id).registered
