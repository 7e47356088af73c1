from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command

from applicants.models import Province
from prakerja.accounts.roles import roles_sync

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture
def staff_groups(db: None) -> None:
    """The PMO groups with their permissions (transactional tests flush what migrations made)."""
    roles_sync()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """Regions come from the idn-area-data package (make regions-data), loaded once per database."""
    with django_db_blocker.unblock():
        if not Province.objects.exists():
            call_command("load_regions", verbosity=0)


@pytest.fixture
def regions(db: None) -> None:
    """Transactional tests flush tables; put the regions back when a test needs them."""
    if not Province.objects.exists():
        call_command("load_regions", verbosity=0)


def run_after_commit_tasks(callbacks: list[Callable[[], Any]]) -> None:
    """Run the Celery tasks that code queued with on_commit, in this process, as a worker would."""
    from prakerja.core.queueing import QueuedTask, task_by_name

    for callback in callbacks:
        if isinstance(callback, QueuedTask):
            task_by_name(callback.name).apply(kwargs=callback.kwargs, throw=True)
        elif isinstance(callback, partial) and hasattr(callback.func, "__self__"):
            task = callback.func.__self__
            task.apply(args=callback.args, kwargs=callback.keywords, throw=True)
        else:
            callback()


@pytest.fixture(autouse=True)
def _sandbox_email(settings: Any) -> None:
    # Django's test set-up swaps in the in-memory email backend; the project's tests read
    # emails from the sandbox provider instead, as developers do on /dev/inbox/.
    settings.EMAIL_BACKEND = "prakerja.messaging.backends.SandboxEmailBackend"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Rate-limit counters live in the cache; every test starts with none.
    cache.clear()


@pytest.fixture
def training_fund(db: None) -> int:
    """The training fund, given Rp10 trillion from the state budget; its account id."""
    from prakerja.ledger.models import AccountKind
    from prakerja.ledger.services import Line, account_get_or_create, posting_create

    budget = account_get_or_create(kind=AccountKind.STATE_BUDGET)
    fund = account_get_or_create(kind=AccountKind.FUND_TRAINING)
    posting_create(
        idempotency_key="test-budget-training",
        kind="budget.allocate",
        lines=[Line(budget.pk, -10_000_000_000_000), Line(fund.pk, 10_000_000_000_000)],
    )
    return fund.pk
