"""The blacklist: NIKs that may no longer take part (a revoked card, a clawback)."""

import datetime as dt

from django.db import connection


def blacklist_add_bulk(
    *, applicant_ids: list[int], reason: str, at: dt.datetime | None = None, created_by_id: int | None = None
) -> int:
    """Blacklist these applicants' NIKs (those that have one) in one statement; a NIK already on
    the list keeps its first entry. `at` defaults to the database's now. Returns the rows added."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO applicants_blacklisting (nik_index, applicant_id, reason, created_at, created_by_id)
            SELECT a.nik_index, a.id, %s, COALESCE(%s::timestamptz, now()), %s::bigint
            FROM applicants_applicant AS a
            WHERE a.id = ANY(%s) AND a.nik_index IS NOT NULL
            ON CONFLICT (nik_index) DO NOTHING
            """,
            [reason, at, created_by_id, applicant_ids],
        )
        return cursor.rowcount
