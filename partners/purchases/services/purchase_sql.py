"""Statements of the purchase's hot paths, spelled once per process (prakerja.core.prepared_sql)."""

import datetime as dt

from django.db import connections, router

from partners.models import Partner, Purchase
from prakerja.core.prepared_sql import ModelColumns

_PURCHASE = ModelColumns.of(Purchase)
_PARTNER = ModelColumns.of(Partner)
_STARTED = (
    f"WITH p AS (UPDATE {_PURCHASE.table} SET {_PURCHASE.column('started_at')} = %s, "  # noqa: S608 (model names)
    f"{_PURCHASE.column('updated_at')} = %s WHERE {_PURCHASE.column('redeem_code_id')} = %s "
    f"RETURNING {_PURCHASE.select_list()}) "
    f"SELECT {_PURCHASE.select_list('p')}, {_PARTNER.select_list('partner')} FROM p "
    f"JOIN {_PARTNER.table} partner ON partner.{_PARTNER.column('id')} = p.{_PURCHASE.column('partner_id')}"
)


def purchase_training_started_mark(*, redeem_code_id: int, at: dt.datetime, now: dt.datetime) -> Purchase | None:
    """The purchase of this redeem code (one at most), its training marked started at `at`, with
    its platform loaded; None when no purchase holds the code. One statement: the ORM's lookup
    (`first()`) and save were 14% of the integration benchmark's server samples."""
    alias = router.db_for_write(Purchase)
    with connections[alias].cursor() as cursor:
        cursor.execute(_STARTED, [at, now, redeem_code_id])
        row = cursor.fetchone()
    if row is None:
        return None
    purchase = _PURCHASE.instance(alias, row[: len(_PURCHASE)])
    purchase.partner = _PARTNER.instance(alias, row[len(_PURCHASE) :])
    return purchase
