"""Streamed CSV exports of admin lists, with the list's own filters and search.

A list using `CsvExportMixin` gets an "Export CSV" button that carries the filters in use to
`<list>/export.csv?<filters>`; the view builds the same ChangeList the page shows (so filters,
search and the user's permissions apply exactly), audits the export with its filters, and
streams the rows: `values_list` over a server-side cursor (`iterator(chunk_size=...)`), written
line by line, so memory stays flat for a million rows (tests/prakerja/test_exports.py).
Personal identifiers leave masked: each export declares its columns, and only masked copies are
offered."""

import datetime as dt
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponseBadRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import URLPattern
from django.utils import timezone
from django.utils.translation import gettext as _

from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.admin_base import screen_path
from prakerja.core.db import stream
from prakerja.core.formatting import csv_download
from prakerja.core.routers import replica_alias

EXPORT_CHUNK = 5000


def _cell_writer() -> Callable[[Any], Any]:
    """Turns a database value into a CSV cell: times in the reader's zone, lists space-joined.
    The zone is read once per export (timezone.localtime per cell costs more than the rest of
    the row)."""
    zone = timezone.get_current_timezone()

    def cell(value: Any) -> Any:
        if value is None:
            return ""
        kind = type(value)
        if kind is dt.datetime:
            return value.astimezone(zone).isoformat() if value.tzinfo else value.isoformat()
        if kind is dt.date:
            return value.isoformat()
        if kind is list:
            return " ".join(map(str, value))
        return value

    return cell


class CsvExportMixin:
    """For a ModelAdmin: `export_columns` is [(header, ORM path)], read with values_list;
    `export_row` may turn a row (tuple) into the written row (e.g. masking, an overdue flag)."""

    change_list_template: ClassVar[Any] = "admin/export_change_list.html"
    export_columns: Sequence[tuple[str, str]] = ()
    export_filename = "export.csv"

    def export_row(self, row: tuple[Any, ...]) -> Sequence[Any]:
        return row

    def export_header(self) -> list[str]:
        return [header for header, _path in self.export_columns]

    def get_urls(self) -> list[URLPattern]:
        model_admin: admin.ModelAdmin[Any] = self  # type: ignore[assignment]
        return [screen_path(model_admin, "export.csv", self.export_view, "export"), *super().get_urls()]  # type: ignore[misc]

    def export_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """What the list shows with the request's filters and search, every page of it."""
        model_admin: admin.ModelAdmin[Any] = self  # type: ignore[assignment]
        changelist = model_admin.get_changelist_instance(request)
        return changelist.get_queryset(request)

    def export_rows(self, queryset: QuerySet[Any]) -> Iterator[Sequence[Any]]:
        paths = [orm_path for _header, orm_path in self.export_columns]
        rows = stream(queryset.order_by("pk").values_list(*paths), chunk_size=EXPORT_CHUNK)
        cell = _cell_writer()
        export_row = self.export_row
        for row in rows:
            yield [cell(value) for value in export_row(row)]

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        model_admin: admin.ModelAdmin[Any] = self  # type: ignore[assignment]
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        try:
            queryset = self.export_queryset(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(_("These filters are not valid for this list."))
        model: type[Model] = model_admin.model
        return self.export_response(request, queryset, action=f"export.{model._meta.model_name}")

    def export_response(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        *,
        action: str,
        target: Model | None = None,
        filename: str | None = None,
    ) -> StreamingHttpResponse:
        """Audit the export (with the request's filters), then stream the queryset's rows. Also
        for other ways into the same export (an admin action on a selection, a parent object's
        page), which name their own audit action."""
        audit_record(
            actor=Actor.for_request(request),
            action=action,
            target=target,
            payload={"filters": request.GET.urlencode(), "columns": self.export_header()},
            request=request,
        )
        # Streamed from the replica when there is one (a snapshot a moment old is an export too).
        rows = itertools.chain([self.export_header()], self.export_rows(queryset.using(replica_alias())))
        return csv_download(rows, filename or self.export_filename)
