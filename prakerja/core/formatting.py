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


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text line by line, for StreamingHttpResponse: memory stays flat whatever the size."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


def csv_download(rows: Iterable[Iterable[Any]], filename: str) -> StreamingHttpResponse:
    """A streamed CSV attachment (the caller audits the export)."""
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
