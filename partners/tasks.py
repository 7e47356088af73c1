"""Celery discovers `partners.tasks`: the domains' task modules, imported here so their tasks
register (names unchanged: `webhooks.*`, `partners.idempotency_prune`, `batch.partners_*`)."""

from partners.api import tasks as api_tasks
from partners.evaluation import tasks as evaluation_tasks
from partners.webhooks import tasks as webhooks_tasks

__all__ = ["api_tasks", "evaluation_tasks", "webhooks_tasks"]
