"""Small display helpers shared by pages, admin screens and messages."""

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse


def rupiah(amount: int | None) -> str:
    """Rp1.234.567: Indonesian digit grouping, whatever the active language."""
    return f"Rp{amount or 0:,}".replace(",", ".")


class _Echo:
    def write(self, value: str) -> str:
        return value


# A cell starting with one of these is read as a formula by Excel, LibreOffice and Google
# Sheets (OWASP "CSV injection"); user text (complaint subjects, platform names from the public
# onboarding form) must never run as one.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe, which
    spreadsheets show as text; numbers and other values pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text line by line, for StreamingHttpResponse: memory stays flat whatever the size.
    Every cell passes csv_cell: this is the one CSV writer of the project."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_download(rows: Iterable[Iterable[Any]], filename: str) -> StreamingHttpResponse:
    """A streamed CSV attachment (the caller audits the export)."""
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
