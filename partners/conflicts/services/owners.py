"""Owners of platforms: the same rules as institutions' owners (courses.services.ownership),
then the platform's listings flagged or cleared as its affiliations now are."""

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from courses.errors import OwnershipError
from courses.services.ownership import StakeWrite, owner_stakes_apply, registration_number_normalise
from partners.conflicts.services.affiliations import listings_affiliation_refresh
from partners.models import Partner, PlatformOwner
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor


@transaction.atomic
def platform_owners_apply(
    *, partner: Partner, writes: Sequence[StakeWrite], removals: Sequence[PlatformOwner] = (), actor: Actor
) -> int:
    """Record, change or remove owners of a platform (audited); returns how many of its
    listings changed flag."""
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    for write in writes:
        if not isinstance(write.stake, PlatformOwner) or write.stake.partner_id != locked.pk:
            raise OwnershipError(_("An owner of another platform cannot be changed here."))
    owner_stakes_apply(
        stakes=PlatformOwner.objects.filter(partner=locked),
        target=locked,
        writes=writes,
        removals=[r for r in removals if r.partner_id == locked.pk],
        actor=actor,
        action="partner.owner",
    )
    return listings_affiliation_refresh(partner_ids=[locked.pk], actor=actor)


@transaction.atomic
def partner_business_number_set(*, partner: Partner, business_number: str, actor: Actor) -> Partner:
    """The platform's own NIB (an institution recording it as an owner is owned by the platform)."""
    number = registration_number_normalise(business_number) if business_number.strip() else ""
    if number and not number.isdigit():
        raise OwnershipError(_("A platform's NIB has 13 digits."), field="business_number")
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    previous = locked.business_number
    locked.business_number = number
    locked.save(update_fields=["business_number"])
    partner.business_number = number
    audit_record(
        actor=actor, action="partner.business_number_set", target=locked, payload={"from": previous, "to": number}
    )
    listings_affiliation_refresh(partner_ids=[locked.pk], actor=actor)
    return locked
