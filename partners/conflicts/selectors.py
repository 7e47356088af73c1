"""Why a platform and an institution are affiliated, for the curator who writes the disclosure."""

from dataclasses import dataclass
from decimal import Decimal

from courses.models import InstitutionOwner, OwnerKind, TrainingInstitution
from courses.services.ownership import organisation_key
from partners.models import Partner, PlatformOwner


@dataclass(frozen=True)
class Basis:
    """One reason: `owner` holds `platform_share`% of the platform and `institution_share`% of
    the institution (None: the owner *is* that organisation)."""

    owner: str
    is_person: bool
    platform_share: Decimal | None
    institution_share: Decimal | None


def affiliation_basis(*, partner: Partner, institution: TrainingInstitution) -> list[Basis]:
    platform_owners = {o.owner_key: o for o in PlatformOwner.objects.filter(partner=partner)}
    institution_owners = {o.owner_key: o for o in InstitutionOwner.objects.filter(institution=institution)}
    platform_key = organisation_key(partner.business_number) if partner.business_number else None
    institution_key = organisation_key(institution.business_number)
    out = []
    if platform_key is not None and platform_key == institution_key:
        out.append(
            Basis(
                owner=partner.legal_name or partner.name, is_person=False, platform_share=None, institution_share=None
            )
        )
    for key, owner in platform_owners.items():
        if key in institution_owners:
            out.append(
                Basis(
                    owner=owner.name,
                    is_person=owner.kind == OwnerKind.PERSON,
                    platform_share=owner.share_percent,
                    institution_share=institution_owners[key].share_percent,
                )
            )
        elif key == institution_key:
            out.append(
                Basis(
                    owner=institution.legal_name,
                    is_person=False,
                    platform_share=owner.share_percent,
                    institution_share=None,
                )
            )
    if platform_key is not None and platform_key in institution_owners:
        out.append(
            Basis(
                owner=partner.legal_name or partner.name,
                is_person=False,
                platform_share=None,
                institution_share=institution_owners[platform_key].share_percent,
            )
        )
    return out


def _share(value: Decimal) -> str:
    return f"{value.normalize():f}"


def disclosure_draft(*, partner: Partner, institution: TrainingInstitution) -> tuple[str, str]:
    """A first wording of the disclosure in Indonesian and English, for the curator to edit.
    Persons are not named on a public page: a shared beneficial owner is said to be one."""
    platform, lp = partner.name, institution.brand
    indonesian, english = [], []
    for basis in affiliation_basis(partner=partner, institution=institution):
        if basis.platform_share is None and basis.institution_share is None:
            indonesian.append(f"{platform} dan {lp} adalah badan usaha yang sama ({basis.owner}).")
            english.append(f"{platform} and {lp} are the same company ({basis.owner}).")
        elif basis.platform_share is None:
            indonesian.append(
                f"{platform} ({basis.owner}) memiliki {_share(basis.institution_share or Decimal(0))}% {lp}."
            )
            english.append(f"{platform} ({basis.owner}) owns {_share(basis.institution_share or Decimal(0))}% of {lp}.")
        elif basis.institution_share is None:
            indonesian.append(f"{lp} ({basis.owner}) memiliki {_share(basis.platform_share)}% {platform}.")
            english.append(f"{lp} ({basis.owner}) owns {_share(basis.platform_share)}% of {platform}.")
        else:
            who_id = "Seorang pemilik manfaat perorangan yang sama" if basis.is_person else basis.owner
            who_en = "The same individual beneficial owner" if basis.is_person else basis.owner
            of_platform, of_lp = _share(basis.platform_share), _share(basis.institution_share)
            indonesian.append(f"{who_id} memiliki {of_platform}% {platform} dan {of_lp}% {lp}.")
            english.append(f"{who_en} owns {of_platform}% of {platform} and {of_lp}% of {lp}.")
    return " ".join(indonesian), " ".join(english)
