"""The scripted integration check (docs/partner-api.md, "Integration check"): a platform in
onboarding makes a test purchase in the sandbox API with signed requests, confirms it with the
code the sandbox gives back (a real participant would read it from an SMS), reports it
completed, and receives the signed `sandbox.purchase.confirmed` webhook. When every step has
passed, a partner manager confirms and the platform becomes active."""

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.models import OtpPurpose
from applicants.registration.services.otp import detached_code, detached_code_matches
from partners.models import DeliveryStatus, IntegrationCheck, Listing, Partner, PartnerStatus, WebhookDelivery
from partners.platforms.services.lifecycle import LifecycleError, partner_status_change
from partners.purchases.services.purchases import PurchaseError
from partners.webhooks.services.webhooks import webhook_event_record
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor

CHECK_STATUSES = (PartnerStatus.ONBOARDING, PartnerStatus.ACTIVE)


@dataclass(frozen=True)
class Step:
    label: str
    done: bool


def _find(*, partner: Partner, check_id: str) -> IntegrationCheck:
    try:
        pk = uuid.UUID(str(check_id))
    except ValueError:
        pk = None
    check = IntegrationCheck.objects.select_for_update().filter(pk=pk, partner=partner).first() if pk else None
    if check is None:
        raise PurchaseError("purchase_not_found", _("No such test purchase."), status=404)
    return check


def integration_check_start(*, partner: Partner, listing_id: int) -> tuple[IntegrationCheck, str]:
    """A sandbox purchase of one of the platform's listings (on sale or not). Returns the check
    and the confirmation code the sandbox "texts"."""
    if partner.status not in CHECK_STATUSES:
        raise PurchaseError(
            "partner_not_active", _("The sandbox is open to onboarding and active platforms."), status=403
        )
    listing = Listing.objects.filter(pk=listing_id, partner=partner).first()
    if listing is None:
        raise PurchaseError("listing_not_found", _("No such listing."), status=404)
    code, code_hash, _text = detached_code(OtpPurpose.PURCHASE_CONFIRM)
    with transaction.atomic():
        check = IntegrationCheck.objects.create(
            partner=partner, listing=listing, price=listing.price, otp_hash=code_hash
        )
        audit_record(actor=Actor.partner(partner.slug), action="integration_check.started", target=check)
    return check, code


@transaction.atomic
def integration_check_confirm(*, partner: Partner, check_id: str, otp: str) -> IntegrationCheck:
    check = _find(partner=partner, check_id=check_id)
    if check.confirmed_at is not None:
        raise PurchaseError("invalid_state", _("This test purchase is already confirmed."))
    if not detached_code_matches(check.otp_hash, otp):
        raise PurchaseError("otp_invalid", _("Wrong code."), status=422)
    check.confirmed_at = timezone.now()
    event = webhook_event_record(
        partner=partner,
        type="sandbox.purchase.confirmed",
        payload={"purchase": str(check.pk), "status": "paid", "price": check.price, "sandbox": True},
    )
    if event is None:
        # The check proves the platform receives signed webhooks: it needs an active endpoint.
        raise PurchaseError(
            "webhook_endpoint_required",
            _("Register an active webhook endpoint first (POST /webhooks/endpoints/)."),
        )
    check.webhook_event_id = event.pk
    check.save(update_fields=["confirmed_at", "webhook_event_id"])
    return check


@transaction.atomic
def integration_check_complete(*, partner: Partner, check_id: str) -> IntegrationCheck:
    check = _find(partner=partner, check_id=check_id)
    if check.confirmed_at is None:
        raise PurchaseError("invalid_state", _("Only a paid purchase can be completed."))
    if not _webhook_delivered(check):
        raise PurchaseError(
            "webhook_not_delivered",
            _("Answer the sandbox.purchase.confirmed webhook with a 2xx first (see GET /webhooks/deliveries/)."),
        )
    if check.completed_at is None:
        check.completed_at = timezone.now()
        check.save(update_fields=["completed_at"])
    return check


def _webhook_delivered(check: IntegrationCheck) -> bool:
    return check.webhook_event_id is not None and (
        WebhookDelivery.objects.filter(event_id=check.webhook_event_id, status=DeliveryStatus.DELIVERED).exists()
    )


def integration_check_steps(check: IntegrationCheck) -> list[Step]:
    delivered = _webhook_delivered(check)
    return [
        Step(_("Signed test purchase made"), True),
        Step(_("Confirmed with the sandbox code"), check.confirmed_at is not None),
        Step(_("Completion reported"), check.completed_at is not None),
        Step(_("Signed webhook received (2xx)"), delivered),
    ]


def integration_check_passed(check: IntegrationCheck) -> bool:
    return all(step.done for step in integration_check_steps(check))


@transaction.atomic
def partner_activate_after_check(*, partner: Partner, actor: Actor) -> Partner:
    """The partner manager's confirmation: onboarding -> active, only with a passed check."""
    passed = next(
        (check for check in partner.integration_checks.order_by("-created_at") if integration_check_passed(check)),
        None,
    )
    if passed is None:
        raise LifecycleError(_("The platform has not passed the integration check yet."))
    partner = partner_status_change(
        partner=partner,
        to=PartnerStatus.ACTIVE,
        reason=_("Integration check passed (%(when)s).")
        % {"when": timezone.localtime(passed.created_at).strftime("%d-%m-%Y %H:%M")},
        actor=actor,
    )
    IntegrationCheck.objects.filter(pk=passed.pk).update(activated_at=timezone.now(), activated_by=actor.user)
    return partner
