"""The programme dashboard on the admin home.

Figures over millions of rows are too slow for a page, so each section is computed by the
refresh job (`batch.dashboard_refresh`, beat every `DASHBOARD_REFRESH_S`; "refresh now" on the
page) into one `DashboardSnapshot` row, and the page reads those rows: one query however big
the programme is. Each page shows when its figures were computed.

Sections come from the apps (registered in their `AppConfig.ready`), so the kernel does not
import the layers above it: `applicants` gives the funnel, waves and disbursement, `partners`
purchases over time and the platforms' scores."""

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connections, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise

from prakerja.accounts.models import User
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.models import DashboardSnapshot
from prakerja.core.queueing import enqueue_after_commit
from prakerja.core.registry import Registry
from prakerja.core.routers import read_alias, replica_reads

logger = logging.getLogger(__name__)

REFRESH_REQUEST_GAP = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    template: str
    compute: Callable[[], dict[str, Any]]
    # Staff see a section only with this permission ("app.codename"); None: every staff user.
    permission: str | None = None
    order: int = 100
    # Turns stored figures into what the template shows, at page time in the reader's language
    # (labels of stored keys); must not query the database.
    present: Callable[[dict[str, Any]], dict[str, Any]] | None = None


@dataclass(frozen=True)
class ShownSection:
    section: Section
    snapshot: DashboardSnapshot | None

    @property
    def data(self) -> dict[str, Any]:
        if self.snapshot is None:
            return {}
        present = self.section.present
        return present(self.snapshot.data) if present else self.snapshot.data


# The apps' sections, registered from their AppConfig.ready (docs/architecture.md, "Registries").
SECTIONS: Registry[Section] = Registry("core.dashboard_sections")


def register_section(section: Section) -> None:
    SECTIONS.register(section.key, section)


def sections() -> list[Section]:
    return sorted(SECTIONS.items(), key=lambda section: (section.order, section.key))


def query_rows(sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Every row of one aggregate statement (sections compute with raw SQL)."""
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def choice_label(choices: Any, value: str) -> str:
    """The label of a stored choice value in the reader's language (the value if unknown)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def dashboard_refresh(*, keys: list[str] | None = None) -> dict[str, int]:
    """Compute the sections (all, or those named) and store them; returns milliseconds per
    section. One failing section is logged and keeps its last figures; the others go on."""
    durations: dict[str, int] = {}
    for section in sections():
        if keys is not None and section.key not in keys:
            continue
        started = time.perf_counter()
        try:
            # From the replica when there is one: the page shows when the figures were computed.
            with replica_reads():
                data = section.compute()
            elapsed = int((time.perf_counter() - started) * 1000)
            DashboardSnapshot.objects.update_or_create(
                key=section.key, defaults={"data": data, "computed_at": timezone.now(), "duration_ms": elapsed}
            )
        except Exception:
            logger.exception("dashboard section %s failed", section.key)
            continue
        durations[section.key] = elapsed
    return durations


def dashboard_refresh_queue(*, actor: Actor, request: HttpRequest | None = None) -> bool:
    """A staff user's "refresh now": queues the refresh job after commit, audited; refused (False)
    when the figures are less than `REFRESH_REQUEST_GAP` old, so a busy office cannot queue a
    recomputation per click."""
    latest = DashboardSnapshot.objects.aggregate(latest=Max("computed_at"))["latest"]
    if latest is not None and timezone.now() - latest < REFRESH_REQUEST_GAP:
        return False
    with transaction.atomic():
        audit_record(actor=actor, action="dashboard.refresh_requested", request=request)
        enqueue_after_commit("batch.dashboard_refresh")
    return True


def dashboard_for(user: User | AnonymousUser) -> list[ShownSection]:
    """The sections this staff user may see, with their last figures (one query)."""
    visible = [s for s in sections() if s.permission is None or user.has_perm(s.permission)]
    snapshots = {row.key: row for row in DashboardSnapshot.objects.filter(key__in=[s.key for s in visible])}
    return [ShownSection(section=s, snapshot=snapshots.get(s.key)) for s in visible]
