"""The public open-data page and its downloads: no login, the same for every reader (the
language is in the path), served from the published releases only and marked for caching
by a CDN (and by this process: prakerja.opendata.middleware)."""

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from prakerja.opendata import downloads
from prakerja.opendata.models import OpenDataRelease
from prakerja.opendata.selectors import release_dates, release_latest, release_on, release_trend

LATEST = "latest"
RELEASES_LISTED = 10


def _public(response: HttpResponse, *, max_age: int, language: str | None = None) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["X-Frame-Options"] = "DENY"
    if language:
        response["Content-Language"] = language
    response.public_cache = True  # type: ignore[attr-defined]
    return response


def _label(table: dict[str, Any], value: Any, language: str) -> Any:
    return table.get("labels", {}).get(str(value), {}).get(language, value)


def _trend_titles(release: OpenDataRelease, language: str) -> list[tuple[str, str]]:
    headline = next((t for t in release.tables.values() if t["headline"]), None)
    return [(key, str(_label(headline, key, language)) if headline else key) for key in release.totals]


def _present(release: OpenDataRelease, language: str) -> list[dict[str, Any]]:
    tables = []
    for key, table in release.tables.items():
        fields = table["fields"]
        first = fields[0]["name"]
        tables.append(
            {
                "key": key,
                "title": table["title"].get(language, key),
                "description": table["description"].get(language, ""),
                "headers": [f["title"].get(language, f["name"]) for f in fields],
                "rows": [
                    [_label(table, row.get(first), language), *(row.get(f["name"]) for f in fields[1:])]
                    for row in table["rows"]
                ],
                "chart": table["chart"],
                "headline": table["headline"],
            }
        )
    return tables


def _chart_data(release: OpenDataRelease, language: str) -> dict[str, Any]:
    """What the charts draw: per data set, labels and one series per value field (suppressed
    cells as gaps)."""
    charts: dict[str, Any] = {}
    for key, table in release.tables.items():
        chart = table["chart"]
        if not chart:
            continue
        titles = {f["name"]: f["title"].get(language, f["name"]) for f in table["fields"]}
        rows = table["rows"]
        charts[key] = {
            "type": chart["type"],
            "horizontal": chart["horizontal"],
            "labels": [str(_label(table, row.get(chart["label"]), language) or "") for row in rows],
            "series": [
                {
                    "label": titles.get(name, name),
                    "data": [
                        value if isinstance(value, int | float) else None for value in (r.get(name) for r in rows)
                    ],
                }
                for name in chart["values"]
            ],
        }
    return charts


@require_safe
def page(request: HttpRequest, language: str = "id") -> HttpResponse:
    with translation.override(language):
        release = release_latest()
        context: dict[str, Any] = {
            "release": release,
            "language": language,
            "other_language": "en" if language == "id" else "id",
        }
        if release is not None:
            trend = release_trend()
            context.update(
                tables=_present(release, language),
                charts=_chart_data(release, language),
                trend=trend,
                trend_keys=_trend_titles(release, language),
                dates=release_dates()[:RELEASES_LISTED],
                licence=settings.OPEN_DATA_LICENCE,
            )
        response = render(request, "opendata/page.html", context)
    return _public(response, max_age=settings.OPEN_DATA_MAX_AGE_S, language=language)


def _release(name: str) -> tuple[OpenDataRelease | None, bool]:
    """The release a path names ("latest" or a date), and whether the name was well formed."""
    if name == LATEST:
        return release_latest(), True
    try:
        date = dt.date.fromisoformat(name)
    except ValueError:
        return None, False
    if len(name) != 10:  # fromisoformat also takes "20261201"; one spelling per release
        return None, False
    return release_on(date=date), True


@require_safe
def download(request: HttpRequest, release: str, filename: str) -> HttpResponse:
    found, well_formed = _release(release)
    if not well_formed:
        return HttpResponseBadRequest("Release: 'latest' or a date, YYYY-MM-DD.\n", content_type="text/plain")
    key, dot, extension = filename.rpartition(".")
    if not dot or extension not in downloads.FORMATS:
        return HttpResponseBadRequest("Format: csv or json.\n", content_type="text/plain")
    if found is None:
        raise Http404("No release on that date.")
    date = found.date.isoformat()
    if key == "datapackage" and extension == "json":
        body = json.dumps(downloads.datapackage(found), ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    elif key in found.tables and extension == "csv":
        response = HttpResponse(downloads.table_csv(found, key), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="kartu-prakerja-{key}-{date}.csv"'
    elif key in found.tables:
        body = json.dumps(downloads.table_json(found, key), ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        raise Http404("No such data set in this release.")
    licence = settings.OPEN_DATA_LICENCE["path"]
    package = reverse("opendata:download", args=[date, "datapackage.json"])
    response["Link"] = f'<{licence}>; rel="license", <{package}>; rel="describedby"'
    max_age = settings.OPEN_DATA_MAX_AGE_S if release == LATEST else settings.OPEN_DATA_RELEASE_MAX_AGE_S
    return _public(response, max_age=max_age)
