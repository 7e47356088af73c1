"""The session face check on the `identity` queue: takes the job's id, calls one service, safe to
run twice (the job's reference finds the first run's check)."""

from typing import Any

from celery import shared_task

from courses.services import face_check_queue


# Short limits: a check takes about a second; one that hangs frees its worker for the next.
@shared_task(name="identity.session_check", bind=True, acks_late=True, soft_time_limit=90, time_limit=120)
def session_check(self: Any, job_id: str) -> str:
    return face_check_queue.session_check_run(job_id=job_id, task_id=self.request.id or "")
