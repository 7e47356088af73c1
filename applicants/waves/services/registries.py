"""Importing other agencies' lists. The file is read once, each NIK checked and turned into
its blind index, and the hashes COPYed into the registry table; the file is then deleted.
An import becomes the list in use only when it has finished, replacing the previous version
of the same list from the same source.

The wage-earners list carries each person's monthly wage in its second column (rupiah; "Rp",
spaces and thousands separators are accepted): selection and the pre-payout check compare it
with the scheme's threshold. Every other list keeps only the NIK."""

import codecs
import csv
import hashlib
import hmac
import io
import itertools
import logging
import re
from collections.abc import Iterator
from typing import IO

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.models import ImportStatus, Province, RegistryImport, RegistryKind
from applicants.registration.services.identity import NIK_PURPOSE
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.queueing import enqueue_after_commit

logger = logging.getLogger(__name__)

COPY_CHUNK = 200_000
PROGRESS_EVERY = 100_000
MAX_REJECTIONS_KEPT = 5_000


def registry_import_create(
    *, kind: RegistryKind | str, source: str, upload: UploadedFile, actor: Actor, enqueue: bool = True
) -> RegistryImport:
    """Store an uploaded list and queue its import after commit (or leave it to the caller to
    run, as the command line does)."""
    with transaction.atomic():
        # One version number per (list, source), taken under a lock on the previous ones.
        latest = (
            RegistryImport.objects.select_for_update()
            .filter(kind=kind, source=source)
            .aggregate(Max("version"))["version__max"]
        )
        registry_import = RegistryImport(
            kind=kind,
            source=source.strip(),
            version=(latest or 0) + 1,
            original_name=upload.name or "",
            created_by=actor.person,
        )
        registry_import.file.save(f"{registry_import.kind}-{timezone.now():%Y%m%d%H%M%S}.csv", upload, save=False)
        registry_import.save()
        audit_record(
            actor=actor,
            action="registry.uploaded",
            target=registry_import,
            payload={"kind": str(kind), "source": source, "version": registry_import.version, "file": upload.name},
        )
        if enqueue:
            enqueue_after_commit("batch.registry_import", import_id=registry_import.pk)
    return registry_import


def _progress_key(import_id: int) -> str:
    return f"registry-import-progress:{import_id}"


def registry_import_progress(registry_import: RegistryImport) -> int:
    """Rows read so far by a running import."""
    return int(cache.get(_progress_key(registry_import.pk)) or registry_import.rows_total)


_CENTS = re.compile(r"[.,]\d{2}$")


def wage_amount(cell: str) -> int | None:
    """A monthly wage as agencies write it ("3500000", "Rp 3.500.000", "3,500,000.00"), or None."""
    text = cell.strip().removeprefix("Rp").removeprefix("rp").replace(" ", "")
    text = _CENTS.sub("", text) if len(text) > 3 and text[-3] in ".," else text
    digits = text.replace(".", "").replace(",", "")
    if not digits.isdigit() or len(digits) > 15:
        return None
    return int(digits)


class _Checker:
    """Validates NIKs fast: shape, province code, day and month. Registries come from
    agencies' own databases; a row that cannot be a NIK is reported, not guessed at."""

    def __init__(self) -> None:
        self.provinces = set(Province.objects.values_list("code", flat=True))
        self.hasher = hmac.new(settings.BLIND_INDEX_KEY.encode(), f"{NIK_PURPOSE}:".encode(), hashlib.sha256)

    def problem(self, nik: str) -> str | None:
        if len(nik) != 16 or not nik.isdigit():
            return _("A NIK has exactly 16 digits.")
        if nik[:2] not in self.provinces:
            return _("The NIK's province code is unknown.")
        day, month = int(nik[6:8]), int(nik[8:10])
        if day > 40:
            day -= 40
        if not 1 <= day <= 31 or not 1 <= month <= 12:
            return _("The NIK's birth date part is not a date.")
        if nik[12:] == "0000":
            return _("The NIK's serial number may not be 0000.")
        return None

    def index(self, nik: str) -> str:
        digest = self.hasher.copy()
        digest.update(nik.encode())
        return digest.hexdigest()


def _rows(stream: IO[bytes]) -> Iterator[list[str]]:
    """CSV rows of a file read line by line, whatever its delimiter (comma, semicolon, tab, bar)."""
    lines = codecs.iterdecode(iter(stream), "utf-8-sig", errors="replace")
    first = next(lines, "")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(first, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(itertools.chain([first], lines), dialect)


def registry_import_run(*, import_id: int) -> RegistryImport:
    """Read, check and load one uploaded list. Safe to run twice: a finished import is left as
    it is, an interrupted one starts again from nothing (its rows were never committed)."""
    with transaction.atomic():
        registry_import = RegistryImport.objects.select_for_update().get(pk=import_id)
        if registry_import.status in (ImportStatus.DONE, ImportStatus.FAILED):
            return registry_import
        registry_import.status = ImportStatus.RUNNING
        registry_import.started_at = timezone.now()
        registry_import.save(update_fields=["status", "started_at"])
    try:
        _load(registry_import)
    except Exception as exc:
        logger.exception("registry import %s failed", import_id)
        RegistryImport.objects.filter(pk=import_id).update(
            status=ImportStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        _discard_file(registry_import)
        raise
    _discard_file(registry_import)
    registry_import.refresh_from_db()
    return registry_import


def _discard_file(registry_import: RegistryImport) -> None:
    if registry_import.file:
        registry_import.file.delete(save=False)
        RegistryImport.objects.filter(pk=registry_import.pk).update(file="")


@transaction.atomic
def _load(registry_import: RegistryImport) -> None:
    checker = _Checker()
    seen: set[int] = set()
    rejections: list[dict[str, object]] = []
    total = accepted = rejected = 0
    with_amount = registry_import.kind == RegistryKind.WAGE_EARNER
    with registry_import.file.open("rb") as stream, connection.cursor() as cursor:
        buffer = io.StringIO()
        pending = 0
        suffix = f"\t{registry_import.pk}\t\\N\n"
        for line_number, row in enumerate(_rows(stream), start=1):
            if not row or not any(cell.strip() for cell in row):
                continue
            nik = row[0].strip().replace(" ", "").replace(".", "")
            if line_number == 1 and not nik.isdigit():
                continue  # a header row
            total += 1
            problem = checker.problem(nik)
            amount = None
            if problem is None and with_amount:
                amount = wage_amount(row[1]) if len(row) > 1 else None
                if amount is None:
                    problem = _("The monthly wage (second column) is not an amount in rupiah.")
            if problem is None:
                key = int(nik)
                if key in seen:
                    problem = _("The NIK appears earlier in the file.")
                else:
                    seen.add(key)
            if problem is not None:
                rejected += 1
                if len(rejections) < MAX_REJECTIONS_KEPT:
                    rejections.append({"line": line_number, "reason": problem})
                continue
            accepted += 1
            if with_amount:
                buffer.write(f"{checker.index(nik)}\t{registry_import.pk}\t{amount}\n")
            else:
                buffer.write(checker.index(nik) + suffix)
            pending += 1
            if pending >= COPY_CHUNK:
                _copy(cursor, buffer)
                buffer, pending = io.StringIO(), 0
            if total % PROGRESS_EVERY == 0:
                cache.set(_progress_key(registry_import.pk), total, timeout=3600)
        if pending:
            _copy(cursor, buffer)
    previous = RegistryImport.objects.select_for_update().filter(
        kind=registry_import.kind, source=registry_import.source, is_current=True
    )
    replaced = list(previous.values_list("pk", flat=True))
    previous.update(is_current=False)
    RegistryImport.objects.filter(pk=registry_import.pk).update(
        status=ImportStatus.DONE,
        is_current=True,
        rows_total=total,
        rows_accepted=accepted,
        rows_rejected=rejected,
        rejections=rejections,
        finished_at=timezone.now(),
    )
    cache.set(_progress_key(registry_import.pk), total, timeout=3600)
    audit_record(
        actor=Actor.system("registry-import"),
        action="registry.imported",
        target=registry_import,
        payload={"rows": total, "accepted": accepted, "rejected": rejected, "replaces": replaced},
    )


def _copy(cursor: object, buffer: io.StringIO) -> None:
    buffer.seek(0)
    cursor.cursor.copy_expert(  # type: ignore[attr-defined]
        "COPY applicants_registryentry (nik_index, registry_import_id, amount) FROM STDIN", buffer
    )
