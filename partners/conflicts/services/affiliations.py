"""Affiliations between platforms and training institutions, and the listings they flag.

A platform and an institution are *affiliated* when
- they share an owner: the same legal entity (NIB or AHU number) or the same person (the NIK's
  blind index) is recorded among the owners of both, whatever the shares (any recorded stake,
  0% control included: the PMO records the owners it knows, a disclosure costs a curator a
  sentence, and a missed affiliation is what the 2020 audit found), or
- one owns the other: the platform's NIB is among the institution's owners, or the
  institution's NIB among the platform's, or both are the same company (one NIB).
Only recorded stakes count: chains (A owns B owns C) are not followed; the PMO records the
ultimate beneficial owners, as Presidential Regulation 13/2018 requires companies to declare.

A listing of an affiliated pair is flagged (`Listing.affiliated`) and is not on sale until a
curator approves it with a disclosure (`disclosures.listing_disclosure_approve`); the database
holds that rule (CHECK `listing_affiliated_disclosed`). The flags are recomputed set-based, in
one statement, whenever an owner or a NIB changes; a flag that ends clears the approval and puts
back on sale what the affiliation had withheld."""

from collections.abc import Iterable

from django.db import connection, transaction

from partners.catalogue.views import CATALOGUE_PAGES
from partners.models import Listing
from prakerja.audit.services import AuditEntry, audit_record_bulk
from prakerja.core.actor import Actor
from prakerja.core.pagecache import page_version_bump

# Every affiliated (platform, institution) pair, possibly twice (the callers take DISTINCT or
# EXISTS). Owner keys are normalised when written; an institution's NIB is read as digits.
AFFILIATED_PAIRS_SQL = """
SELECT po.partner_id, io.institution_id
  FROM partners_platformowner po JOIN courses_institutionowner io ON io.owner_key = po.owner_key
UNION ALL
SELECT p.id, io.institution_id
  FROM partners_partner p JOIN courses_institutionowner io ON io.owner_key = 'nib:' || p.business_number
 WHERE p.business_number <> ''
UNION ALL
SELECT po.partner_id, i.id
  FROM courses_traininginstitution i
  JOIN partners_platformowner po ON po.owner_key = 'nib:' || regexp_replace(i.business_number, '[^0-9]', '', 'g')
UNION ALL
SELECT p.id, i.id
  FROM partners_partner p
  JOIN courses_traininginstitution i ON regexp_replace(i.business_number, '[^0-9]', '', 'g') = p.business_number
 WHERE p.business_number <> ''
"""

# Newly affiliated: off sale (withheld if it was on sale) until a disclosure is approved.
# No longer affiliated: back on sale if the affiliation withheld it; the approval ends with it.
REFRESH_SQL = f"""
WITH pairs AS MATERIALIZED ({AFFILIATED_PAIRS_SQL}),
target AS (
    SELECT l.id,
           EXISTS (SELECT 1 FROM pairs WHERE pairs.partner_id = l.partner_id
                                         AND pairs.institution_id = c.institution_id) AS aff
      FROM partners_listing l JOIN courses_course c ON c.id = l.course_id
     WHERE %(everything)s OR l.partner_id = ANY(%(partners)s) OR c.institution_id = ANY(%(institutions)s)
)
UPDATE partners_listing l
   SET affiliated = t.aff,
       withheld_for_disclosure = t.aff AND l.is_active,
       is_active = NOT t.aff AND (l.is_active OR l.withheld_for_disclosure),
       disclosed_at = NULL,
       disclosed_by_id = NULL
  FROM target t
 WHERE t.id = l.id AND l.affiliated <> t.aff
RETURNING l.id, t.aff, l.withheld_for_disclosure
"""  # noqa: S608 (constant SQL)

PAIR_SQL = (
    f"SELECT EXISTS (SELECT 1 FROM ({AFFILIATED_PAIRS_SQL}) pairs "  # noqa: S608 (constant SQL)
    "WHERE partner_id = %s AND institution_id = %s)"
)
ALL_PAIRS_SQL = f"SELECT DISTINCT partner_id, institution_id FROM ({AFFILIATED_PAIRS_SQL}) pairs"  # noqa: S608


def affiliated(*, partner_id: int, institution_id: int) -> bool:
    """Whether this platform and this institution are affiliated now."""
    with connection.cursor() as cursor:
        cursor.execute(PAIR_SQL, [partner_id, institution_id])
        return bool(cursor.fetchone()[0])


def affiliated_pairs() -> set[tuple[int, int]]:
    """Every affiliated (platform id, institution id) pair."""
    with connection.cursor() as cursor:
        cursor.execute(ALL_PAIRS_SQL)
        return {(int(p), int(i)) for p, i in cursor.fetchall()}


def catalogue_changed_on_commit() -> None:
    transaction.on_commit(lambda: page_version_bump(CATALOGUE_PAGES))


@transaction.atomic
def listings_affiliation_refresh(
    *, actor: Actor, partner_ids: Iterable[int] | None = None, institution_ids: Iterable[int] | None = None
) -> int:
    """Flag or clear the listings of these platforms and institutions (all listings when neither
    is given) as their affiliations now are; returns how many changed. Each change is audited,
    and the catalogue's cached pages are renewed after commit (ownership shows on them)."""
    everything = partner_ids is None and institution_ids is None
    with connection.cursor() as cursor:
        cursor.execute(
            REFRESH_SQL,
            {
                "everything": everything,
                "partners": list(partner_ids or []),
                "institutions": list(institution_ids or []),
            },
        )
        changed = cursor.fetchall()
    catalogue_changed_on_commit()
    if changed:
        listings = Listing.objects.select_related("course", "partner").in_bulk([row[0] for row in changed])
        audit_record_bulk(
            entries=[
                AuditEntry(
                    actor=actor,
                    action="listing.affiliation_flagged" if aff else "listing.affiliation_cleared",
                    target=listings[listing_id],
                    payload={"withheld_for_disclosure": withheld},
                )
                for listing_id, aff, withheld in changed
            ]
        )
    return len(changed)


def listings_on_institution_ownership_changed(institution_id: int, actor: Actor) -> None:
    """The courses layer's hook: an institution's owners or NIB changed."""
    listings_affiliation_refresh(institution_ids=[institution_id], actor=actor)
