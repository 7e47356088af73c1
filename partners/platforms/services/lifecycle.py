"""A platform's status changes go through here: checked against the lifecycle, with a reason,
kept in the platform's history (date, staff user), audited, and told to the platform by email
and webhook. An agreement must be recorded before a platform is "agreement signed"."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from partners.models import STANDARD_TERMS_VERSION, Agreement, Partner, PartnerStatus, StatusChange
from partners.webhooks.services.webhooks import webhook_event_record
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.errors import DomainError
from prakerja.messaging.services import email_send_after_commit

S = PartnerStatus
TRANSITIONS: dict[str, set[str]] = {
    # An open application accepts the standard terms as they stand: prospect -> agreement signed.
    S.PROSPECT: {S.INVITED, S.AGREEMENT_SIGNED},
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


class LifecycleError(DomainError):
    """A platform status change or onboarding decision refused by the lifecycle."""


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
    if to == PartnerStatus.AGREEMENT_SIGNED and not locked.agreements.exists():
        raise LifecycleError(_("Record the signed agreement first."))
    previous = locked.status
    locked.status = to
    locked.save(update_fields=["status"])
    StatusChange.objects.create(
        partner=locked,
        from_status=previous,
        to_status=to,
        reason=reason.strip(),
        changed_by=actor.user,
        actor_label=actor.label,
    )
    if locked.contact_email:
        # In Indonesian: the PMO writes to Indonesian companies.
        email_send_after_commit(
            to=locked.contact_email,
            subject=f"Status kemitraan Kartu Prakerja: {PartnerStatus(to).label}",
            body=(
                f"Yth. {locked.legal_name or locked.name},\n\n"
                f"Status kemitraan {locked.name} dalam Program Kartu Prakerja berubah dari "
                f"{PartnerStatus(previous).label} menjadi {PartnerStatus(to).label}.\n"
                f"Alasan: {reason.strip()}\n\nManajemen Pelaksana Program Kartu Prakerja"
            ),
            reference=f"partner-status:{locked.pk}:{previous}:{to}:{StatusChange.objects.filter(partner=locked).count()}",
        )
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


@transaction.atomic
def agreement_record(
    *,
    partner: Partner,
    number: str,
    signed_on: dt.date,
    starts_on: dt.date,
    ends_on: dt.date,
    commission_cap_bp: int = 1500,
    terms_version: str = STANDARD_TERMS_VERSION,
    actor: Actor,
) -> Agreement:
    if commission_cap_bp > 1500:
        raise LifecycleError(_("The commission cap cannot be above 15%."))
    if ends_on <= starts_on:
        raise LifecycleError(_("The agreement must end after it starts."))
    agreement = Agreement.objects.create(
        partner=partner,
        number=number.strip(),
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        commission_cap_bp=commission_cap_bp,
        terms_version=terms_version,
    )
    audit_record(actor=actor, action="partner.agreement_recorded", target=agreement, payload={"number": number})
    return agreement
