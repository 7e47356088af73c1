"""Before each payout run: every participant in an open group is held (HoldKind.DUPLICATE,
source `duplicates:<group id>`), so the run's candidate query (holds.selectors.not_held_sql)
leaves them out until a verifier decides the group."""

import logging

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from applicants.duplicates.services.scan import DuplicateScanBusy, duplicates_scan
from applicants.holds.models import HoldKind
from applicants.holds.services import holds_place
from prakerja.core.actor import Actor

logger = logging.getLogger(__name__)

HOLD_SOURCE_PREFIX = "duplicates:"

# Open groups with a participant (a card holder) not yet held for that group.
_GROUPS_TO_HOLD = """
    SELECT DISTINCT g.id
    FROM applicants_duplicategroup AS g
    JOIN applicants_duplicatemember AS m ON m.group_id = g.id
    WHERE g.status = 'open'
      AND EXISTS (SELECT 1 FROM applicants_card AS c WHERE c.applicant_id = m.applicant_id)
      AND NOT EXISTS (
        SELECT 1 FROM applicants_hold AS h
        WHERE h.applicant_id = m.applicant_id AND h.kind = 'duplicate' AND h.released_at IS NULL
          AND h.source = 'duplicates:' || g.id
      )
    ORDER BY g.id
"""

_MEMBERS_WITH_CARD = """
    SELECT m.applicant_id FROM applicants_duplicatemember AS m
    WHERE m.group_id = %(group)s
      AND EXISTS (SELECT 1 FROM applicants_card AS c WHERE c.applicant_id = m.applicant_id)
"""


def hold_source(group_id: int) -> str:
    return f"{HOLD_SOURCE_PREFIX}{group_id}"


def hold_reason() -> str:
    return _("Suspected duplicate account: payments wait for a verifier's review.")


def duplicates_hold_open(*, actor: Actor) -> int:
    """Hold the participants of every open group (set-based per group; already held are skipped).
    Returns the holds placed."""
    with connection.cursor() as cursor:
        cursor.execute(_GROUPS_TO_HOLD)
        groups = [row[0] for row in cursor.fetchall()]
    placed = 0
    for group_id in groups:
        placed += len(
            holds_place(
                kind=HoldKind.DUPLICATE,
                source=hold_source(group_id),
                reason=hold_reason(),
                actor=actor,
                select_sql=_MEMBERS_WITH_CARD,
                params={"group": group_id},
            )
        )
    return placed


def duplicates_before_payout(*, actor: Actor) -> int:
    """What a disbursement run does first: the pass (unless switched off), then the holds."""
    if settings.DUPLICATES_SCAN_BEFORE_RUNS:
        try:
            duplicates_scan(actor=actor, trigger="payout run")
        except DuplicateScanBusy:
            logger.info("a duplicate pass is running; the run holds the groups known so far")
    return duplicates_hold_open(actor=actor)
