"""Owners of training institutions and of platforms: identified so that the same owner is
matched wherever it is recorded, and audited on every change.

The rules for a stake (`OwnerStake`) live here, in the lower layer, and `partners` applies them
to platforms' owners too: a legal entity by its NIB (13 digits) or AHU number, a person by the
blind index of the NIK (the project's HMAC helper, the applicants' purpose, so the key is the
one a registered applicant with that NIK has); shares of one organisation at most 100% in all."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from applicants.registration.nik import NikError, parse_nik
from applicants.registration.services.identity import nik_blind_index
from courses.errors import OwnershipError
from courses.hooks import institution_ownership_changed_tell
from courses.models import InstitutionOwner, OwnerKind, OwnerStake, TrainingInstitution
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.crypto import mask_identifier

_AHU = re.compile(r"\AAHU-[0-9A-Z][0-9A-Z.\-]{3,55}\Z")
HUNDRED = Decimal(100)


def registration_number_normalise(raw: str) -> str:
    """A NIB as its 13 digits; an AHU number upper-case without spaces (AHU-0012345.AH.01.01)."""
    text = re.sub(r"\s", "", raw or "").upper()
    digits = re.sub(r"[.\-]", "", text)
    if digits.isdigit() and len(digits) == 13:
        return digits
    if _AHU.match(text):
        return text
    raise OwnershipError(
        _("Enter the business identification number (NIB, 13 digits) or the AHU number (AHU-…)."),
        field="registration_number",
    )


def legal_entity_key(registration_number: str) -> str:
    number = registration_number_normalise(registration_number)
    return f"nib:{number}" if number.isdigit() else f"ahu:{number}"


def organisation_key(business_number: str) -> str | None:
    """The owner key of an organisation's own NIB (a platform or institution that owns another),
    or None when it has none that can be read."""
    try:
        return legal_entity_key(business_number)
    except OwnershipError:
        return None


@dataclass(frozen=True)
class OwnerIdentity:
    registration_number: str
    owner_key: str
    nik_masked: str


@sensitive_variables("nik", "info")
def owner_identify(*, kind: str, registration_number: str, nik: str, previous: OwnerStake | None) -> OwnerIdentity:
    """How a stake is identified (refused with the field at fault when it cannot be). A person
    recorded before keeps their NIK's index when no new NIK is given."""
    if kind == OwnerKind.LEGAL_ENTITY:
        number = registration_number_normalise(registration_number)
        return OwnerIdentity(registration_number=number, owner_key=legal_entity_key(number), nik_masked="")
    if kind != OwnerKind.PERSON:
        raise OwnershipError(_("Choose whether the owner is a legal entity or a person."), field="kind")
    if nik.strip():
        try:
            info = parse_nik(nik, today=timezone.localdate())
        except NikError as exc:
            raise OwnershipError(exc.message, field="nik") from exc
        return OwnerIdentity(
            registration_number="", owner_key=f"nik:{nik_blind_index(info.nik)}", nik_masked=mask_identifier(info.nik)
        )
    if previous is not None and previous.kind == OwnerKind.PERSON and previous.owner_key.startswith("nik:"):
        return OwnerIdentity(registration_number="", owner_key=previous.owner_key, nik_masked=previous.nik_masked)
    raise OwnershipError(_("Enter the person's NIK (16 digits)."), field="nik")


def stake_payload(stake: OwnerStake | None) -> dict[str, Any] | None:
    """What the audit trail keeps of a stake: never the NIK, nor a person's name."""
    if stake is None:
        return None
    return {
        "owner": stake.pk,
        "kind": stake.kind,
        "name": stake.name if stake.kind == OwnerKind.LEGAL_ENTITY else "",
        "registration_number": stake.registration_number,
        "nik": stake.nik_masked,
        "share_percent": str(stake.share_percent),
    }


@dataclass(frozen=True)
class StakeWrite:
    """One stake to save (new or changed) and the NIK typed for it (persons; may be empty)."""

    stake: OwnerStake
    nik: str = ""


@sensitive_variables("writes")
def owner_stakes_apply(
    *,
    stakes: models.QuerySet[Any],
    target: models.Model,
    writes: Sequence[StakeWrite],
    removals: Sequence[OwnerStake],
    actor: Actor,
    action: str,
) -> None:
    """Save and remove stakes of one organisation (`stakes`: all of its stakes; the caller holds
    the organisation's row lock), then check the total, each change audited on `target`."""
    for removed in removals:
        if removed.pk is None:
            continue
        audit_record(actor=actor, action=f"{action}_removed", target=target, payload={"owner": stake_payload(removed)})
        removed.delete()
    for write in writes:
        stake = write.stake
        previous = stakes.filter(pk=stake.pk).first() if stake.pk else None
        identity = owner_identify(
            kind=stake.kind, registration_number=stake.registration_number, nik=write.nik, previous=previous
        )
        stake.registration_number = identity.registration_number
        stake.owner_key = identity.owner_key
        stake.nik_masked = identity.nik_masked
        stake.name = stake.name.strip()
        if not stake.name:
            raise OwnershipError(_("Enter the owner's name."), field="name")
        if not (0 <= stake.share_percent <= HUNDRED):
            raise OwnershipError(_("A share is between 0% and 100%."), field="share_percent")
        try:
            with transaction.atomic():
                stake.save()
        except IntegrityError as exc:
            raise OwnershipError(_("This owner is already recorded here."), field="name") from exc
        audit_record(
            actor=actor,
            action=f"{action}_saved",
            target=target,
            payload={"owner": stake_payload(stake), "previous": stake_payload(previous)},
        )
    total = stakes.aggregate(total=Sum("share_percent"))["total"] or Decimal(0)
    if total > HUNDRED:
        raise OwnershipError(
            _("The owners' shares add up to %(total)s%%, more than 100%%.") % {"total": total}, field="share_percent"
        )


@transaction.atomic
def institution_owners_apply(
    *,
    institution: TrainingInstitution,
    writes: Sequence[StakeWrite],
    removals: Sequence[InstitutionOwner] = (),
    actor: Actor,
) -> None:
    """Record, change or remove owners of an institution; the platforms' listings of its courses
    are flagged or cleared as the affiliations change (told through the courses hook)."""
    locked = TrainingInstitution.objects.select_for_update().get(pk=institution.pk)
    for write in writes:
        if not isinstance(write.stake, InstitutionOwner) or write.stake.institution_id != locked.pk:
            raise OwnershipError(_("An owner of another institution cannot be changed here."))
    owner_stakes_apply(
        stakes=InstitutionOwner.objects.filter(institution=locked),
        target=locked,
        writes=writes,
        removals=[r for r in removals if r.institution_id == locked.pk],
        actor=actor,
        action="institution.owner",
    )
    institution_ownership_changed_tell(locked.pk, actor=actor)
