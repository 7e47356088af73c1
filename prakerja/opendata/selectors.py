"""Reads of the published releases (one small query each: the page never reads the big tables)."""

import datetime as dt
from typing import Any

from prakerja.opendata.models import OpenDataRelease

TREND_RELEASES = 30


def release_latest() -> OpenDataRelease | None:
    return OpenDataRelease.objects.order_by("-date").first()


def release_on(*, date: dt.date) -> OpenDataRelease | None:
    return OpenDataRelease.objects.filter(date=date).first()


def release_dates() -> list[dt.date]:
    return list(OpenDataRelease.objects.order_by("-date").values_list("date", flat=True))


def release_trend(*, limit: int = TREND_RELEASES) -> list[dict[str, Any]]:
    """The headline figures of the latest releases, oldest first."""
    rows = OpenDataRelease.objects.order_by("-date").values_list("date", "totals")[:limit]
    return [{"date": date.isoformat(), **totals} for date, totals in reversed(rows)]
