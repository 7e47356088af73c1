"""The downloads of a release: CSV and JSON per data set, and the Frictionless Data Package
(`datapackage.json`) that publishes their schema and licence."""

import csv
import io
from typing import Any

from django.conf import settings

from prakerja.opendata.datasets import SUPPRESSED
from prakerja.opendata.models import OpenDataRelease

FORMATS = ("csv", "json")
SCHEMA_LANGUAGE = "en"
SUPPRESSION_NOTE = "Counts of 1 to 9 people are published as '<10' (and, where needed, one more cell with them)."


def licence_line(release: OpenDataRelease) -> str:
    licence = settings.OPEN_DATA_LICENCE
    return (
        f"Kartu Prakerja open data, release {release.date.isoformat()}. {settings.OPEN_DATA_PUBLISHER}. "
        f"Licence: {licence['title']} ({licence['name']}), {licence['path']}"
    )


def schema(table: dict[str, Any], *, language: str = SCHEMA_LANGUAGE) -> dict[str, Any]:
    """The Table Schema of one data set: its fields, and "<10" as a missing value."""
    return {
        "fields": [
            {
                "name": f["name"],
                "type": f["type"],
                "title": f["title"].get(language, ""),
                "description": f["description"].get(language, ""),
            }
            for f in table["fields"]
        ],
        "missingValues": ["", SUPPRESSED],
    }


def datapackage(release: OpenDataRelease) -> dict[str, Any]:
    date = release.date.isoformat()
    return {
        "name": f"kartu-prakerja-{date}",
        "title": "Kartu Prakerja programme figures",
        "version": date,
        "created": release.published_at.isoformat(),
        "licenses": [settings.OPEN_DATA_LICENCE],
        "publisher": settings.OPEN_DATA_PUBLISHER,
        "description": licence_line(release) + " " + SUPPRESSION_NOTE,
        "sources": [{"title": "Programme dashboard snapshots", "computed_at": release.computed_at}],
        "resources": [
            {
                "name": key,
                "path": f"{key}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "title": table["title"].get(SCHEMA_LANGUAGE, key),
                "description": table["description"].get(SCHEMA_LANGUAGE, ""),
                # The first line of every CSV is the licence line, as a comment.
                "dialect": {"commentChar": "#", "header": True},
                "schema": schema(table),
            }
            for key, table in release.tables.items()
        ],
    }


def table_csv(release: OpenDataRelease, key: str) -> str:
    table = release.tables[key]
    names = [f["name"] for f in table["fields"]]
    out = io.StringIO()
    out.write("# " + licence_line(release) + "\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in table["rows"]:
        writer.writerow(["" if row.get(name) is None else row[name] for name in names])
    return out.getvalue()


def table_json(release: OpenDataRelease, key: str) -> dict[str, Any]:
    table = release.tables[key]
    return {
        "release": release.date.isoformat(),
        "name": key,
        "title": table["title"].get(SCHEMA_LANGUAGE, key),
        "licence": settings.OPEN_DATA_LICENCE,
        "licence_line": licence_line(release),
        "suppression": SUPPRESSION_NOTE,
        "schema": schema(table),
        "data": table["rows"],
    }
