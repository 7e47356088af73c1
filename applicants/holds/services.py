"""Placing and releasing holds. Placing is set-based (a payout run's registry check holds
thousands at once); releasing is one verifier decision at a time, with a reason, audited.

Who may release what:
- a verifier (permission `applicants.release_hold`) releases one hold after reviewing it;
- the case that placed a hold releases its own holds when it is closed or cancelled
  (`holds_release_for_source`), e.g. a clawback repaid or cancelled, an appeal upheld.
Clawback and block holds (`CASE_KINDS`) are lifted only by their case, never from the holds
queue. Nothing else does: a new payout account, finance's retry of a failed transfer and every
participant action leave holds in place."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.errors import ApplicantError
from applicants.holds.models import CASE_KINDS, CONFIRMED_DUPLICATE_SUFFIX, Hold, HoldKind
from prakerja.audit.services import AuditEntry, audit_record, audit_record_bulk
from prakerja.core.actor import Actor


class HoldError(ApplicantError):
    pass


_PLACE = """
    INSERT INTO applicants_hold (applicant_id, kind, source, reason, placed_at, placed_by_id, release_reason)
    SELECT held.applicant_id, %(kind)s, %(source)s, %(reason)s, now(), %(by)s, ''
    FROM ({select}) AS held(applicant_id)
    ON CONFLICT (applicant_id, kind, source) WHERE released_at IS NULL DO NOTHING
    RETURNING id
"""


def holds_place(
    *,
    kind: HoldKind,
    source: str,
    reason: str,
    actor: Actor,
    applicant_ids: Iterable[int] | None = None,
    select_sql: str | None = None,
    params: dict[str, Any] | Sequence[Any] | None = None,
) -> list[int]:
    """Hold every applicant given (ids, or a SELECT of one applicant-id column with named
    %(…)s params) for `source`; an applicant already held for the same source is left as is.
    Returns the new holds' ids; each is audited."""
    if not reason.strip() or not source:
        raise HoldError(_("A hold needs a source and a reason."))
    if (applicant_ids is None) == (select_sql is None):
        raise ValueError("give applicant_ids or select_sql")
    query_params: dict[str, Any] = {"kind": str(kind), "source": source, "reason": reason[:200]}
    query_params["by"] = actor.user.pk if actor.user is not None else None
    if applicant_ids is not None:
        select_sql = "SELECT unnest(%(ids)s::bigint[])"
        query_params["ids"] = sorted(set(applicant_ids))
    else:
        query_params.update(dict(params or {}))
    assert select_sql is not None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_PLACE.format(select=select_sql), query_params)
        ids = [row[0] for row in cursor.fetchall()]
        if ids:
            placed = Hold.objects.filter(pk__in=ids).only("pk", "kind", "source")
            audit_record_bulk(
                entries=(
                    AuditEntry(
                        actor=actor,
                        action="hold.placed",
                        target=hold,
                        payload={"kind": hold.kind, "source": hold.source},
                    )
                    for hold in placed
                )
            )
    return ids


def hold_release(*, hold: Hold, reason: str, actor: Actor) -> Hold:
    """A verifier's decision after review: the participant may be paid again (if nothing else holds them)."""
    reason = reason.strip()
    if not reason:
        raise HoldError(_("Say why the hold is released."), field="reason")
    if actor.user is None or not actor.user.has_perm("applicants.release_hold"):
        raise HoldError(_("Only a verifier can release a hold."), status=403)
    with transaction.atomic():
        locked = Hold.objects.select_for_update().get(pk=hold.pk)
        if locked.released_at is not None:
            raise HoldError(_("This hold was already released."))
        if locked.kind in CASE_KINDS:
            raise HoldError(_("This hold is lifted by closing or cancelling its case (or deciding the appeal)."))
        locked.released_at = timezone.now()
        locked.released_by = actor.user
        locked.release_reason = reason[:300]
        locked.save(update_fields=["released_at", "released_by", "release_reason"])
        audit_record(
            actor=actor,
            action="hold.released",
            target=locked,
            payload={"kind": locked.kind, "source": locked.source, "reason": locked.release_reason},
        )
        if locked.kind == HoldKind.DUPLICATE and locked.source.endswith(CONFIRMED_DUPLICATE_SUFFIX):
            _card_unsuspend(locked, actor)
    return locked


def _card_unsuspend(hold: Hold, actor: Actor) -> None:
    """A released confirmed-duplicate hold gives the card back, unless another case holds it."""
    from applicants.models import Card
    from applicants.waves.services.cards import card_unsuspend_if_free

    for card_id in Card.objects.filter(applicant_id=hold.applicant_id).values_list("pk", flat=True):
        card_unsuspend_if_free(card_id=card_id, actor=actor, why=hold.source)


def holds_release_for_source(*, kind: HoldKind, source: str, reason: str, actor: Actor) -> int:
    """The case that placed these holds was closed or cancelled (the caller checked who may do that)."""
    with transaction.atomic():
        released = list(
            Hold.objects.open().select_for_update().filter(kind=kind, source=source).only("pk", "kind", "source")
        )
        if not released:
            return 0
        Hold.objects.filter(pk__in=[h.pk for h in released]).update(
            released_at=timezone.now(), released_by=actor.user, release_reason=reason[:300]
        )
        audit_record_bulk(
            entries=(
                AuditEntry(
                    actor=actor,
                    action="hold.released",
                    target=hold,
                    payload={"kind": hold.kind, "source": hold.source, "reason": reason[:300]},
                )
                for hold in released
            )
        )
    return len(released)
