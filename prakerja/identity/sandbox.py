"""The sandbox identity provider: the default in development, tests and benchmarks.

It answers like the civil registry's verification service, from a synthetic population
(`SandboxPerson`, filled by `seed_demo` and by the test factories through
`sandbox_person_register`):
- data match per field; the name compared as the registry does, after normalising case,
  punctuation and spaces, with a similarity score (a typo still scores high but mismatches);
- face match that is real: the selfie's face against the registry photo's, by dlib
  (`faces.py`); a person without a photo answers `no_reference`;
- liveness that is real too: the burst follows the challenge (head turns and a blink in the
  order asked, `faces.liveness_check`);
- latency per call (SANDBOX_IDENTITY_LATENCY_MS) and outages (SANDBOX_IDENTITY_OUTAGE_RATE:
  the call fails as a timeout would);
- a share of the population whose registry record differs from what the person will type
  (SANDBOX_IDENTITY_MISMATCH_RATE, decided by the NIK: a name spelt otherwise, or another
  birth place), as real registries differ from what people remember.
"""

import datetime as dt
import difflib
import hashlib
import random
import re
import secrets
import time
from collections.abc import Sequence

from django.conf import settings

from prakerja.core.crypto import blind_index, decrypt_bytes, encrypt_bytes
from prakerja.identity import faces
from prakerja.identity.models import SandboxPerson
from prakerja.identity.provider import (
    DataMatch,
    FaceMatch,
    FieldMatch,
    IdentityClaim,
    IdentityProviderUnavailable,
    Liveness,
)

NAME_MIN_SCORE = 100  # the registry answers "Sesuai" only for the same name, normalised


def sandbox_nik_index(nik: str) -> str:
    return blind_index(nik, purpose="sandbox-registry-nik")


def normalised_name(name: str) -> str:
    return " ".join(re.sub(r"[^A-Z ]", " ", name.upper()).split())


def name_score(a: str, b: str) -> int:
    return round(difflib.SequenceMatcher(None, normalised_name(a), normalised_name(b)).ratio() * 100)


def normalised_place(place: str) -> str:
    place = normalised_name(place)
    for prefix in ("KOTA ", "KABUPATEN ", "KAB "):
        place = place.removeprefix(prefix)
    return place


def _bucket(*parts: str) -> float:
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    return int.from_bytes(digest[:6], "big") / float(1 << 48)


def _call() -> str:
    """Latency and outages as the registry has them; the provider's reference of this call."""
    if latency := settings.SANDBOX_IDENTITY_LATENCY_MS:
        time.sleep(random.uniform(0.5, 1.5) * latency / 1000)
    if random.random() < settings.SANDBOX_IDENTITY_OUTAGE_RATE:
        raise IdentityProviderUnavailable("sandbox outage")
    return "SBX-" + secrets.token_hex(8).upper()


def sandbox_person_register(
    *, nik: str, full_name: str, birth_date: dt.date, birth_place: str, photo: bytes | None = None
) -> SandboxPerson:
    """Put a person in the sandbox registry. With SANDBOX_IDENTITY_MISMATCH_RATE, the registry
    keeps a differing record for that share of NIKs (a misspelt name or another birth place)."""
    if _bucket("mismatch", nik) < settings.SANDBOX_IDENTITY_MISMATCH_RATE:
        if _bucket("which", nik) < 0.5:
            full_name = full_name[:-1] + ("A" if full_name[-1:].upper() != "A" else "I")
        else:
            birth_place = "Surabaya" if normalised_place(birth_place) != "SURABAYA" else "Medan"
    person, _created = SandboxPerson.objects.update_or_create(
        nik_index=sandbox_nik_index(nik),
        defaults={
            "full_name": full_name,
            "birth_date": birth_date,
            "birth_place": birth_place,
            "photo_encrypted": encrypt_bytes(photo) if photo else None,
            "descriptor": None,
        },
    )
    return person


def _reference_descriptor(person: SandboxPerson) -> bytes | None:
    if person.descriptor is not None:
        return bytes(person.descriptor)
    if person.photo_encrypted is None:
        return None
    found = faces.analyse(decrypt_bytes(person.photo_encrypted), judge=False)
    if found.descriptor is None:
        return None
    person.descriptor = faces.descriptor_bytes(found.descriptor)
    person.save(update_fields=["descriptor"])
    return bytes(person.descriptor)


class SandboxIdentityProvider:
    def data_match(self, *, reference: str, claim: IdentityClaim) -> DataMatch:
        provider_reference = _call()
        person = SandboxPerson.objects.filter(nik_index=sandbox_nik_index(claim.nik)).first()
        if person is None:
            return DataMatch(found=False, provider_reference=provider_reference)
        score = name_score(claim.full_name, person.full_name)
        return DataMatch(
            found=True,
            fields={
                "nik": FieldMatch(True),
                "full_name": FieldMatch(score >= NAME_MIN_SCORE, score),
                "birth_date": FieldMatch(claim.birth_date == person.birth_date),
                "birth_place": FieldMatch(normalised_place(claim.birth_place) == normalised_place(person.birth_place)),
            },
            provider_reference=provider_reference,
        )

    def face_match(self, *, reference: str, nik: str, selfie: bytes) -> FaceMatch:
        provider_reference = _call()
        found = faces.analyse(selfie)
        if found.problem or found.descriptor is None:
            return FaceMatch(found.problem or faces.FaceProblem.NO_FACE, provider_reference=provider_reference)
        person = SandboxPerson.objects.filter(nik_index=sandbox_nik_index(nik)).first()
        stored = _reference_descriptor(person) if person else None
        if stored is None:
            return FaceMatch("no_reference", provider_reference=provider_reference)
        return FaceMatch(
            "",
            score=faces.similarity(found.descriptor, faces.descriptor_from(stored)),
            provider_reference=provider_reference,
        )

    def liveness(self, *, reference: str, frames: Sequence[bytes], challenge: Sequence[str]) -> Liveness:
        provider_reference = _call()
        check = faces.liveness_check(frames, steps=challenge)
        return Liveness(check.live, check.reason, provider_reference=provider_reference)
