"""Publishing a release of the open data from the dashboard's snapshots."""

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from prakerja.core.models import DashboardSnapshot
from prakerja.opendata.datasets import DataSet, datasets, suppress
from prakerja.opendata.models import OpenDataRelease

logger = logging.getLogger(__name__)


def _texts(text: Any) -> dict[str, str]:
    """A translatable text in every language of the site."""
    out = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            out[code] = str(text)
    return out


def _table(dataset: DataSet, data: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rows = [{f.name: row.get(f.name) for f in dataset.fields} for row in dataset.rows(data)]
    return {
        "title": _texts(dataset.title),
        "description": _texts(dataset.description),
        "fields": [
            {
                "name": f.name,
                "type": f.type,
                "title": _texts(f.title),
                "description": _texts(f.description),
                "people": f.people,
                "depends_on": list(f.depends_on),
            }
            for f in dataset.fields
        ],
        "chart": (
            {
                "type": dataset.chart.type,
                "label": dataset.chart.label,
                "values": list(dataset.chart.values),
                "horizontal": dataset.chart.horizontal,
            }
            if dataset.chart
            else None
        ),
        "headline": dataset.headline,
        "labels": {value: _texts(text) for value, text in (dataset.labels or {}).items()},
        "rows": suppress(rows, dataset.fields),
    }


def release_publish(*, date: dt.date | None = None) -> OpenDataRelease | None:
    """The release of the latest snapshots, dated by the day (Asia/Jakarta) they were computed
    (or `date`), unless that day's is published already: a release never changes once out, so
    running the job twice is harmless. None when no section has been computed yet."""
    wanted = {key for d in datasets() for key in d.sections}
    snapshots = {row.key: row for row in DashboardSnapshot.objects.filter(key__in=wanted)}
    if not snapshots:
        return None
    date = date or timezone.localdate(max(row.computed_at for row in snapshots.values()))
    existing = OpenDataRelease.objects.filter(date=date).first()
    if existing is not None:
        return existing
    data = {key: row.data for key, row in snapshots.items()}
    tables = {}
    for dataset in datasets():
        if not all(key in data for key in dataset.sections):
            continue
        try:
            tables[dataset.key] = _table(dataset, data)
        except Exception:
            # One data set whose snapshot has an unexpected shape must not stop the release.
            logger.exception("open data set %s failed", dataset.key)
    totals = {row["indicator"]: row["value"] for table in tables.values() if table["headline"] for row in table["rows"]}
    try:
        with transaction.atomic():
            return OpenDataRelease.objects.create(
                date=date,
                published_at=timezone.now(),
                computed_at={key: row.computed_at.isoformat() for key, row in sorted(snapshots.items())},
                tables=tables,
                totals=totals,
            )
    except IntegrityError:
        # Another run published today's release first.
        return OpenDataRelease.objects.get(date=date)
