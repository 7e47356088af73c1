"""Writes to the ledger. Every rupiah that moves goes through posting_create or
postings_create_bulk; nothing else inserts entries."""

import io
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice

from django.db import IntegrityError, connection, transaction

from prakerja.ledger.errors import IdempotencyConflict, InsufficientBalance, UnbalancedPosting
from prakerja.ledger.models import PROTECTED_KINDS, AccountKind, Entry, LedgerAccount, Posting

BALANCE_CONSTRAINT = "ledger_account_protected_balance_nonnegative"
BULK_CHUNK_SIZE = 100_000


@dataclass(frozen=True)
class Line:
    """One entry of a posting: money into (positive) or out of (negative) an account."""

    account_id: int
    amount: int


@dataclass(frozen=True)
class PostingResult:
    posting: Posting
    created: bool


@dataclass(frozen=True)
class BulkPosting:
    idempotency_key: str
    lines: Sequence[Line]


@dataclass(frozen=True)
class BulkResult:
    created: int
    skipped: int


def _validated(lines: Sequence[Line]) -> list[Line]:
    if len(lines) < 2:
        raise UnbalancedPosting()
    seen: set[int] = set()
    for line in lines:
        if type(line.amount) is not int or line.amount == 0:
            raise UnbalancedPosting()
        if line.account_id in seen:
            raise UnbalancedPosting("An account may appear only once in a posting.")
        seen.add(line.account_id)
    if sum(line.amount for line in lines) != 0:
        raise UnbalancedPosting()
    return sorted(lines, key=lambda line: line.account_id)


def _constraint_name(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def account_get_or_create(*, kind: AccountKind | str, owner_ref: str = "", name: str = "") -> LedgerAccount:
    account, _created = LedgerAccount.objects.get_or_create(
        kind=kind,
        owner_ref=owner_ref,
        defaults={"name": name, "is_protected": kind in PROTECTED_KINDS},
    )
    return account


@transaction.atomic
def accounts_ensure_bulk(*, kind: AccountKind | str, owner_refs: Sequence[str]) -> dict[str, int]:
    """Create the missing accounts of one kind for many owners at once; return owner -> id.

    The owners are COPYed into a temporary table (a million-element array parameter costs
    seconds to parse); existing accounts are filtered out and the rest inserted in sorted order,
    a plain insert being a third cheaper than ON CONFLICT's speculative one. A concurrent
    creator of the same account makes the statement fail on the unique index, and the batch
    job that called it runs again."""
    protected = kind in PROTECTED_KINDS
    buffer = io.StringIO()
    for ref in owner_refs:
        if "\t" in ref or "\n" in ref or "\\" in ref:
            raise ValueError("owner references may not contain tabs, newlines or backslashes")
        buffer.write(ref + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS ledger_stage_refs (ref text NOT NULL) ON COMMIT DROP")
        cursor.execute("TRUNCATE ledger_stage_refs")
        cursor.cursor.copy_expert("COPY ledger_stage_refs (ref) FROM STDIN", buffer)
        cursor.execute(
            """
            INSERT INTO ledger_account (kind, owner_ref, name, is_protected, balance, created_at)
            SELECT %s, r.ref, '', %s, 0, now() FROM (SELECT DISTINCT ref FROM ledger_stage_refs) AS r
            WHERE NOT EXISTS (SELECT 1 FROM ledger_account AS a WHERE a.kind = %s AND a.owner_ref = r.ref)
            ORDER BY r.ref
            """,
            [str(kind), protected, str(kind)],
        )
        cursor.execute(
            """
            SELECT a.owner_ref, a.id FROM ledger_stage_refs AS r
            JOIN ledger_account AS a ON a.kind = %s AND a.owner_ref = r.ref
            """,
            [str(kind)],
        )
        return dict(cursor.fetchall())


@transaction.atomic
def posting_create(
    *,
    idempotency_key: str,
    kind: str,
    lines: Sequence[Line],
    memo: str = "",
    reverses: Posting | None = None,
) -> PostingResult:
    """Write one balanced posting, or return the one already written under this key.

    Raises InsufficientBalance when a protected account would go below zero (the database
    decides, so concurrent spends cannot both take the last rupiah), IdempotencyConflict when
    the key was used for a different posting, UnbalancedPosting for bad lines.
    """
    ordered = _validated(lines)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO ledger_posting (idempotency_key, kind, memo, reverses_id, created_at)
            VALUES (%s, %s, %s, %s, now())
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING id
            """,
            [idempotency_key, kind, memo, reverses.pk if reverses else None],
        )
        row = cursor.fetchone()
        if row is None:
            existing = Posting.objects.get(idempotency_key=idempotency_key)
            written = sorted(existing.entries.values_list("account_id", "amount"))
            if existing.kind != kind or written != [(line.account_id, line.amount) for line in ordered]:
                raise IdempotencyConflict()
            return PostingResult(posting=existing, created=False)
        posting_id = row[0]
        # Lock the guarded rows in one fixed order so that two postings touching the same
        # accounts queue up instead of deadlocking.
        cursor.execute(
            "SELECT id FROM ledger_account WHERE id = ANY(%s) AND is_protected ORDER BY id FOR UPDATE",
            [[line.account_id for line in ordered]],
        )
        try:
            Entry.objects.bulk_create(
                [Entry(posting_id=posting_id, account_id=line.account_id, amount=line.amount) for line in ordered]
            )
        except IntegrityError as exc:
            if _constraint_name(exc) == BALANCE_CONSTRAINT:
                debited = [line.account_id for line in ordered if line.amount < 0]
                raise InsufficientBalance(debited) from exc
            raise
    posting = Posting(pk=posting_id, idempotency_key=idempotency_key, kind=kind, memo=memo, reverses=reverses)
    return PostingResult(posting=posting, created=True)


def posting_reverse(*, posting: Posting, idempotency_key: str, memo: str = "") -> PostingResult:
    """Undo a posting with its mirror image; the original stays as it was."""
    lines = [Line(account_id=a, amount=-amount) for a, amount in posting.entries.values_list("account_id", "amount")]
    return posting_create(
        idempotency_key=idempotency_key,
        kind=f"{posting.kind}.reversal",
        lines=lines,
        memo=memo,
        reverses=posting,
    )


def _encode_chunks(postings: Iterable[BulkPosting], chunk_size: int) -> Iterator[tuple[io.StringIO, int]]:
    """Yield COPY text for each chunk of postings: one line per entry (key, account, amount)."""
    iterator = iter(postings)
    seen: set[str] = set()
    while chunk := list(islice(iterator, chunk_size)):
        buffer = io.StringIO()
        write = buffer.write
        for item in chunk:
            key = item.idempotency_key
            if key in seen:
                raise ValueError(f"idempotency key {key!r} appears twice in one bulk call")
            if "\t" in key or "\n" in key or "\\" in key:
                raise ValueError("idempotency keys may not contain tabs, newlines or backslashes")
            seen.add(key)
            lines = item.lines
            if len(lines) < 2 or sum(line.amount for line in lines) != 0:
                raise UnbalancedPosting()
            for line in lines:
                write(f"{key}\t{line.account_id}\t{line.amount}\n")
        buffer.seek(0)
        yield buffer, len(chunk)


_BULK_INSERT = """
    WITH new_postings AS (
        -- Sorted, so the unique index on the key grows at its right edge. Keys already
        -- written are filtered out first: a plain insert is cheaper than ON CONFLICT's
        -- speculative one, and a concurrent writer of the same key still fails loudly.
        INSERT INTO ledger_posting (idempotency_key, kind, memo, created_at)
        SELECT s.idempotency_key, %s, %s, now()
        FROM (SELECT DISTINCT idempotency_key FROM ledger_stage) AS s
        WHERE NOT EXISTS (SELECT 1 FROM ledger_posting AS p WHERE p.idempotency_key = s.idempotency_key)
        ORDER BY s.idempotency_key
        RETURNING id, idempotency_key
    ), new_entries AS (
        INSERT INTO ledger_entry (posting_id, account_id, amount)
        SELECT p.id, s.account_id, s.amount
        FROM new_postings AS p JOIN ledger_stage AS s USING (idempotency_key)
        ORDER BY p.id, s.account_id
    )
    SELECT count(*) FROM new_postings
"""


@transaction.atomic
def postings_create_bulk(
    *, kind: str, postings: Iterable[BulkPosting], memo: str = "", chunk_size: int = BULK_CHUNK_SIZE
) -> BulkResult:
    """Write many postings with COPY and one INSERT ... SELECT per chunk.

    Postings whose idempotency key already exists are skipped (a re-run after a crash writes
    only what is missing). The same database rules hold as for posting_create: each posting
    balances and no protected account goes negative, or the whole call is rolled back. The
    next chunk's COPY text is built in a second thread while PostgreSQL writes this one.
    """
    created = skipped = 0
    with connection.cursor() as cursor, ThreadPoolExecutor(max_workers=1) as encoder:
        cursor.execute("SET LOCAL work_mem = '128MB'")  # sort a chunk's keys in memory
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS ledger_stage "
            "(idempotency_key text NOT NULL, account_id bigint NOT NULL, amount bigint NOT NULL) ON COMMIT DROP"
        )
        chunks = _encode_chunks(postings, chunk_size)
        upcoming = encoder.submit(next, chunks, None)
        while (encoded := upcoming.result()) is not None:
            upcoming = encoder.submit(next, chunks, None)
            buffer, count = encoded
            cursor.execute("TRUNCATE ledger_stage")
            cursor.cursor.copy_expert("COPY ledger_stage (idempotency_key, account_id, amount) FROM STDIN", buffer)
            try:
                cursor.execute(_BULK_INSERT, [kind, memo])
            except IntegrityError as exc:
                if _constraint_name(exc) == BALANCE_CONSTRAINT:
                    raise InsufficientBalance([]) from exc
                raise
            chunk_created = cursor.fetchone()[0]
            created += chunk_created
            skipped += count - chunk_created
    return BulkResult(created=created, skipped=skipped)
