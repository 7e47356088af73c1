"""Celery entry points of identity verification (applicants.tasks imports this module):
- the selfie check on the `identity` queue: takes the job's id, calls one service, safe to run
  twice (the job's reference finds the first run's verification);
- the rollout to applicants registered before the selfie journey (queue `batch`)."""

from typing import Any

from celery import shared_task
from django.conf import settings

from applicants.verification import services


@shared_task(name="batch.identity_rollout", acks_late=True, soft_time_limit=3 * 3600, time_limit=3 * 3600 + 60)
def identity_rollout(*, rollout_id: int) -> dict[str, Any]:
    """Run the pass recorded as `rollout_id` from its last committed batch; a pass that ended
    is not run again, and a redelivered message tells nobody twice."""
    from applicants.verification.rollout import verification_rollout_run

    rollout = verification_rollout_run(rollout_id=rollout_id)
    return {"rollout": rollout.pk, "status": rollout.status, "requested": rollout.requested}


# Short limits: a check takes seconds; one that hangs frees its worker for the next person.
@shared_task(
    name="identity.selfie_check", bind=True, acks_late=True, max_retries=None, soft_time_limit=90, time_limit=120
)
def selfie_check(self: Any, job_id: str) -> str:
    """A registry outage is retried after IDENTITY_REGISTRY_RETRY_S seconds, one after another."""
    backoff = settings.IDENTITY_REGISTRY_RETRY_S
    outcome = services.selfie_check_run(
        job_id=job_id, may_retry=self.request.retries < len(backoff), task_id=self.request.id or ""
    )
    if outcome == "retry":
        raise self.retry(countdown=backoff[self.request.retries])
    return outcome
