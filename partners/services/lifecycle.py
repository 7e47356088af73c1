"""A platform's status changes go through here: checked against the lifecycle, with a reason,
audited, and told to the platform by webhook. (Issue 9 adds agreements and notifications.)"""

from django.db import transaction
from django.utils.translation import gettext as _

from partners.models import Partner, PartnerStatus
from partners.services.webhooks import webhook_event_record
from prakerja.audit.services import Actor, audit_record

S = PartnerStatus
TRANSITIONS: dict[str, set[str]] = {
    S.PROSPECT: {S.INVITED},
    S.INVITED: {S.IN_DISCUSSION, S.DECLINED},
    S.IN_DISCUSSION: {S.AGREEMENT_SIGNED, S.DECLINED},
    S.AGREEMENT_SIGNED: {S.ONBOARDING, S.WITHDRAWN},
    S.ONBOARDING: {S.ACTIVE, S.WITHDRAWN},
    S.ACTIVE: {S.SUSPENDED, S.TERMINATED, S.WITHDRAWN},
    S.SUSPENDED: {S.ACTIVE, S.TERMINATED, S.WITHDRAWN},
    S.DECLINED: set(),
    S.TERMINATED: set(),
    S.WITHDRAWN: set(),
}


class LifecycleError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@transaction.atomic
def partner_status_change(*, partner: Partner, to: str, reason: str, actor: Actor) -> Partner:
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    if to not in TRANSITIONS[locked.status]:
        raise LifecycleError(
            _("A platform cannot go from %(from)s to %(to)s.")
            % {"from": locked.get_status_display(), "to": PartnerStatus(to).label}
        )
    if not reason.strip():
        raise LifecycleError(_("A reason is required."))
    previous = locked.status
    locked.status = to
    locked.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="partner.status_changed",
        target=locked,
        payload={"from": previous, "to": to, "reason": reason},
    )
    webhook_event_record(
        partner=locked, type="partner.status_changed", payload={"from": previous, "to": to, "reason": reason}
    )
    return locked
