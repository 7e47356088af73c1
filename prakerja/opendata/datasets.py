"""The data sets of the public open-data page (`/data/`) and how small cells are suppressed.

The figures come from the programme dashboard's snapshots (`prakerja.core.dashboard`), never
from the big tables: the apps that compute a section also describe which of its figures the
public may see, as `DataSet`s registered into `DATASETS` from their `AppConfig.ready`
(docs/architecture.md, "Registries"). A release (`OpenDataRelease`) stores the suppressed rows
and the schema of every data set, in both languages, so a published release never changes and
the page needs nothing but that row.

Suppression: a count of people from 1 to 9 is published as "<10" (zero singles no one out).
Where a column then has exactly one suppressed cell, the next smallest count of that column is
suppressed too, so the column's total cannot give the hidden one back by subtraction; a figure
derived from a count (an amount, a share) is suppressed with the count it depends on."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from prakerja.core.registry import Registry

THRESHOLD = 10
SUPPRESSED = "<10"

# Field types of the Frictionless Table Schema the downloads publish.
INTEGER = "integer"
NUMBER = "number"
STRING = "string"
DATE = "date"


@dataclass(frozen=True)
class Field:
    name: str
    title: str | Promise
    type: str = INTEGER
    description: str | Promise = ""
    # A count of people: suppressed from 1 to THRESHOLD - 1.
    people: bool = False
    # A figure computed from these people fields of the same row: hidden when one of them is.
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chart:
    """How the page draws the data set: `type` (bar, line), the label field, the value fields."""

    type: str
    label: str
    values: tuple[str, ...]
    horizontal: bool = False


@dataclass(frozen=True)
class DataSet:
    key: str
    title: str | Promise
    description: str | Promise
    fields: tuple[Field, ...]
    # The rows from the snapshots' data by section key (a section not computed yet: absent).
    rows: Callable[[dict[str, dict[str, Any]]], list[dict[str, Any]]]
    # The snapshot sections the rows come from (a release says when each was computed).
    sections: tuple[str, ...]
    chart: Chart | None = None
    order: int = 100
    # Rows of (indicator, value): the page's headline figures, and its trend over releases.
    headline: bool = False
    # Texts for stored values of the first column (indicator keys, statuses), per language.
    labels: Mapping[str, str | Promise] | None = None


# Registered by the apps that compute the figures (applicants/open_data.py, partners/open_data.py).
DATASETS: Registry[DataSet] = Registry("opendata.datasets")


def register_dataset(dataset: DataSet) -> None:
    DATASETS.register(dataset.key, dataset)


def datasets() -> list[DataSet]:
    return sorted(DATASETS.items(), key=lambda d: (d.order, d.key))


def is_small(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < THRESHOLD


def suppress(rows: list[dict[str, Any]], fields: tuple[Field, ...]) -> list[dict[str, Any]]:
    """The rows with small counts of people replaced by SUPPRESSED (see the module's text)."""
    out = [dict(row) for row in rows]
    for column in (f for f in fields if f.people):
        hidden = [n for n, row in enumerate(out) if is_small(row.get(column.name))]
        if len(hidden) == 1:
            rest = [
                (row[column.name], n)
                for n, row in enumerate(out)
                if isinstance(row.get(column.name), int) and n not in hidden and row[column.name] > 0
            ]
            if rest:
                hidden.append(min(rest)[1])
        for n in hidden:
            out[n][column.name] = SUPPRESSED
    for derived in (f for f in fields if f.depends_on):
        for row in out:
            if any(row.get(name) == SUPPRESSED for name in derived.depends_on):
                row[derived.name] = SUPPRESSED
    return out
