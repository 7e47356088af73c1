"""Celery entry point of the identity verification rollout (queue `batch`); applicants.tasks
imports this module."""

from typing import Any

from celery import shared_task


@shared_task(name="batch.identity_rollout", acks_late=True, soft_time_limit=3 * 3600, time_limit=3 * 3600 + 60)
def identity_rollout(*, rollout_id: int) -> dict[str, Any]:
    """Run the pass recorded as `rollout_id` from its last committed batch; a pass that ended
    is not run again, and a redelivered message tells nobody twice."""
    from applicants.verification.rollout import verification_rollout_run

    rollout = verification_rollout_run(rollout_id=rollout_id)
    return {"rollout": rollout.pk, "status": rollout.status, "requested": rollout.requested}
