"""A verifier's decision on a group of suspected duplicates (permission
`applicants.decide_duplicategroup`), with a reason, audited:

- cleared (different people): the group's holds are released and its members' pending
  selection decisions settled, unless another open group still holds them;
- confirmed (one person, several accounts): the verifier names the account to keep; the others
  are blacklisted (so every later selection finds them ineligible), held with a source of
  their own (`duplicates:<id>:confirmed`, released only by a verifier, e.g. after an appeal),
  and their active cards suspended (the hold counts as a case: no purchase, no new instalment
  or survey incentive until it is released); the kept account is treated as if cleared."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.duplicates.models import DuplicateGroup, DuplicateMember, GroupStatus, MemberRole
from applicants.duplicates.services.payouts import hold_source
from applicants.errors import ApplicantError
from applicants.holds.models import CONFIRMED_DUPLICATE_SUFFIX, HoldKind
from applicants.holds.services import holds_place, holds_release_for_source
from applicants.models import Card, CardStatus
from applicants.waves.services.blacklisting import blacklist_add_bulk
from applicants.waves.services.cards import card_suspend
from applicants.waves.services.pending import decisions_pending_settle
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor

PERMISSION = "applicants.decide_duplicategroup"


class DuplicateReviewError(ApplicantError):
    pass


def _lock_open(group: DuplicateGroup, actor: Actor, reason: str) -> DuplicateGroup:
    if actor.user is None or not actor.user.has_perm(PERMISSION):
        raise DuplicateReviewError(_("Only a verifier can decide a suspected duplicate group."), status=403)
    if not reason.strip():
        raise DuplicateReviewError(_("Say why you decided so."), field="reason")
    locked = DuplicateGroup.objects.select_for_update().get(pk=group.pk)
    if locked.status != GroupStatus.OPEN:
        raise DuplicateReviewError(_("This group was already decided."))
    return locked


def _free_of_other_open_groups(applicant_ids: list[int], group: DuplicateGroup) -> list[int]:
    """Those of these applicants in no other open group (they may be decided now)."""
    still = set(
        DuplicateMember.objects.filter(applicant_id__in=applicant_ids, group__status=GroupStatus.OPEN)
        .exclude(group=group)
        .values_list("applicant_id", flat=True)
    )
    return [pk for pk in applicant_ids if pk not in still]


def _decide(locked: DuplicateGroup, status: GroupStatus, reason: str, actor: Actor) -> None:
    locked.status = status
    locked.decided_at = timezone.now()
    locked.decided_by = actor.user
    locked.decision_reason = reason.strip()[:300]
    locked.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])


def duplicate_group_clear(*, group: DuplicateGroup, reason: str, actor: Actor) -> DuplicateGroup:
    """Different people after all: holds released, pending decisions settled."""
    with transaction.atomic():
        locked = _lock_open(group, actor, reason)
        _decide(locked, GroupStatus.CLEARED, reason, actor)
        members = list(locked.members.order_by("applicant_id").values_list("applicant_id", flat=True))
        released = holds_release_for_source(
            kind=HoldKind.DUPLICATE, source=hold_source(locked.pk), reason=locked.decision_reason, actor=actor
        )
        settled = decisions_pending_settle(applicant_ids=_free_of_other_open_groups(members, locked), actor=actor)
        audit_record(
            actor=actor,
            action="duplicates.group_cleared",
            target=locked,
            payload={
                "signal": locked.signal,
                "members": len(members),
                "holds_released": released,
                "decisions_settled": settled,
                "reason": locked.decision_reason,
            },
        )
    return locked


def duplicate_group_confirm(
    *, group: DuplicateGroup, keep_applicant_id: int, reason: str, actor: Actor
) -> DuplicateGroup:
    """One person, several accounts: `keep_applicant_id` stays; the others are blocked."""
    with transaction.atomic():
        locked = _lock_open(group, actor, reason)
        members = list(locked.members.order_by("applicant_id").values_list("applicant_id", flat=True))
        if keep_applicant_id not in members:
            raise DuplicateReviewError(_("Choose the account to keep from this group's members."), field="keep")
        extras = [pk for pk in members if pk != keep_applicant_id]
        _decide(locked, GroupStatus.CONFIRMED, reason, actor)
        locked.members.filter(applicant_id=keep_applicant_id).update(role=MemberRole.KEPT)
        locked.members.filter(applicant_id__in=extras).update(role=MemberRole.EXTRA)
        blacklisted = blacklist_add_bulk(
            applicant_ids=extras,
            reason=_("Extra account of one person (suspected duplicates group %(id)s)") % {"id": locked.pk},
            created_by_id=actor.user.pk if actor.user else None,
        )
        holds_place(
            kind=HoldKind.DUPLICATE,
            source=f"{hold_source(locked.pk)}{CONFIRMED_DUPLICATE_SUFFIX}",
            reason=_("Confirmed duplicate account: no payments to this account."),
            actor=actor,
            applicant_ids=extras,
        )
        suspended = [
            card.pk
            for card in Card.objects.select_for_update().filter(applicant_id__in=extras, status=CardStatus.ACTIVE)
            if card_suspend(card=card, actor=actor, why=f"{hold_source(locked.pk)}{CONFIRMED_DUPLICATE_SUFFIX}")
        ]
        released = holds_release_for_source(
            kind=HoldKind.DUPLICATE, source=hold_source(locked.pk), reason=locked.decision_reason, actor=actor
        )
        # The extras' pending decisions settle as ineligible (blacklisted); the kept one's as usual.
        settled = decisions_pending_settle(
            applicant_ids=extras + _free_of_other_open_groups([keep_applicant_id], locked), actor=actor
        )
        audit_record(
            actor=actor,
            action="duplicates.group_confirmed",
            target=locked,
            payload={
                "signal": locked.signal,
                "kept": keep_applicant_id,
                "extras": extras,
                "blacklisted": blacklisted,
                "cards_suspended": suspended,
                "holds_released": released,
                "decisions_settled": settled,
                "reason": locked.decision_reason,
            },
        )
    return locked
