"""The payout policy changes with four eyes: one finance user proposes a new threshold, and it
is in force (read by runs created after that) only once a different finance user approves it.
Proposal, approval and rejection are audited."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.errors import ApplicantError
from applicants.models import PayoutPolicy, PayoutPolicyChange, PolicyChangeStatus
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor


def payout_policy_change_propose(*, actor: Actor, approval_threshold: int) -> PayoutPolicyChange:
    if approval_threshold < 0:
        raise ApplicantError(_("The threshold cannot be negative."), field="approval_threshold")
    current = PayoutPolicy.objects.order_by("pk").first()
    try:
        with transaction.atomic():
            change = PayoutPolicyChange.objects.create(
                approval_threshold=approval_threshold,
                previous_threshold=current.approval_threshold if current else None,
                proposed_by=actor.person,
            )
            audit_record(
                actor=actor,
                action="payout_policy.change_proposed",
                target=change,
                payload={"approval_threshold": approval_threshold, "previous": change.previous_threshold},
            )
    except IntegrityError as exc:
        raise ApplicantError(_("Another change of the policy is waiting for approval; decide that one first.")) from exc
    return change


def _decide(*, change: PayoutPolicyChange, actor: Actor, status: PolicyChangeStatus) -> PayoutPolicyChange:
    locked = PayoutPolicyChange.objects.select_for_update().get(pk=change.pk)
    if locked.status != PolicyChangeStatus.PENDING:
        raise ApplicantError(_("This change was already decided."))
    if locked.proposed_by_id == actor.person.pk:
        raise ApplicantError(_("A change of the payout policy is approved by a second finance user, not its author."))
    locked.status = status
    locked.decided_by = actor.person
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked


@transaction.atomic
def payout_policy_change_approve(*, change: PayoutPolicyChange, actor: Actor) -> PayoutPolicy:
    """Put a proposed threshold in force; runs created from now on read it."""
    decided = _decide(change=change, actor=actor, status=PolicyChangeStatus.APPROVED)
    policy, _created = PayoutPolicy.objects.update_or_create(
        pk=PayoutPolicy.objects.order_by("pk").values_list("pk", flat=True).first() or 1,
        defaults={"approval_threshold": decided.approval_threshold},
    )
    audit_record(
        actor=actor,
        action="payout_policy.change_approved",
        target=decided,
        payload={
            "approval_threshold": decided.approval_threshold,
            "previous": decided.previous_threshold,
            "proposed_by": decided.proposed_by_id,
        },
    )
    return policy


@transaction.atomic
def payout_policy_change_reject(*, change: PayoutPolicyChange, actor: Actor) -> PayoutPolicyChange:
    decided = _decide(change=change, actor=actor, status=PolicyChangeStatus.REJECTED)
    audit_record(
        actor=actor,
        action="payout_policy.change_rejected",
        target=decided,
        payload={"approval_threshold": decided.approval_threshold, "proposed_by": decided.proposed_by_id},
    )
    return decided
