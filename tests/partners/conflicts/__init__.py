"""Helpers for the conflict-of-interest tests."""

from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from courses.models import InstitutionOwner, OwnerKind, TrainingInstitution
from courses.services.ownership import StakeWrite, institution_owners_apply
from partners.conflicts.services.owners import platform_owners_apply
from partners.models import Partner, PlatformOwner
from prakerja.core.actor import Actor

PMO = Actor.system("tests")
HOLDING_NIB = "9120009990001"
# A valid NIK (Bandung, a man born 12 May 1980) for a beneficial owner.
OWNER_NIK = "3273011205800007"


def holding(share: str = "40") -> dict[str, Any]:
    return {"kind": OwnerKind.LEGAL_ENTITY, "name": "PT Cakrawala Edukasi", "registration_number": HOLDING_NIB,
            "share_percent": Decimal(share)}  # fmt: skip


def person(share: str = "35") -> dict[str, Any]:
    return {"kind": OwnerKind.PERSON, "name": "Budi Santoso", "share_percent": Decimal(share)}


def owns_platform(partner: Partner, *, nik: str = "", **stake: Any) -> PlatformOwner:
    owner = PlatformOwner(partner=partner, **stake)
    platform_owners_apply(partner=partner, writes=[StakeWrite(stake=owner, nik=nik)], actor=PMO)
    return owner


def owns_institution(institution: TrainingInstitution, *, nik: str = "", **stake: Any) -> InstitutionOwner:
    owner = InstitutionOwner(institution=institution, **stake)
    institution_owners_apply(institution=institution, writes=[StakeWrite(stake=owner, nik=nik)], actor=PMO)
    return owner


class _FormReader(HTMLParser):
    """The values a browser would post from the page's main form (admin change forms)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][0] += data.lstrip("\n") if not self.data[self._textarea][0] else data


def form_data(html: str) -> dict[str, list[str]]:
    reader = _FormReader()
    reader.feed(html)
    reader.data.pop("csrfmiddlewaretoken", None)
    return {k: v for k, v in reader.data.items() if v != [] or k}
