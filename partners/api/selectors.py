"""Reads of the partner API's hot paths, as SQL spelled once per process."""

from django.db import connections, router

from partners.models import Listing
from prakerja.core.prepared_sql import ModelColumns

# What a signed GET of a listing shows (partners.api.serializers.listing_data); the rest is deferred.
_LISTING = ModelColumns.of(
    Listing,
    (
        "id",
        "course_id",
        "sku",
        "price",
        "is_active",
        "awaiting_approval",
        "affiliated",
        "withheld_for_disclosure",
        "url",
        "created_at",
    ),
)
_LISTING_SQL = (
    f"SELECT {_LISTING.select_list()} FROM {_LISTING.table} "  # noqa: S608 (names from the model, values as parameters)
    f"WHERE {_LISTING.column('id')} = %s AND {_LISTING.column('partner_id')} = %s"
)


def listing_of_partner(*, partner_id: int, listing_id: int) -> Listing | None:
    """The platform's listing with this id, or None (an unknown id, or another platform's): one
    statement the ORM does not compile on every call."""
    alias = router.db_for_read(Listing)
    with connections[alias].cursor() as cursor:
        cursor.execute(_LISTING_SQL, [listing_id, partner_id])
        row = cursor.fetchone()
    return None if row is None else _LISTING.instance(alias, row)
