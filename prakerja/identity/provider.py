"""The civil registry's identity verification behind an adapter.

Three services, as a civil-registry verification service answers them:
- data match: NIK, full name, birth date and birth place, each answered "match" or "mismatch"
  (the name with a similarity score), or the NIK not found at all;
- face match: a selfie against the registry's photo of that NIK, a similarity score 0-100;
- liveness: whether a short burst of frames shows a live person following the challenge the
  page showed (head turns and a blink in the order asked: `challenges.py`), not a photo or a
  replayed video. An adapter whose registry cannot check a challenge checks it itself with
  our face engine before asking the registry (`dukcapil.py`).
Every call carries our per-call reference (the provider's transaction id, also its
idempotency key) and answers with the provider's own reference, which is stored with the
result. A timeout, an outage or a 5xx after the retries is `IdentityProviderUnavailable`: the
caller tells the person to try again later and counts no try.

The sandbox (`sandbox.py`) is the default in development, tests and benchmarks; `http.py`
speaks HTTP to the registry.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class IdentityProviderUnavailable(Exception):
    """The provider did not answer in time, or answered 5xx, after the retries."""


@dataclass(frozen=True)
class IdentityClaim:
    nik: str
    full_name: str
    birth_date: dt.date
    birth_place: str


@dataclass(frozen=True)
class FieldMatch:
    matched: bool
    score: int | None = None  # the name's similarity, 0-100; None for exact fields


@dataclass(frozen=True)
class DataMatch:
    found: bool  # the NIK is in the registry
    fields: dict[str, FieldMatch] = field(default_factory=dict)  # nik, full_name, birth_date, birth_place
    provider_reference: str = ""

    @property
    def matched(self) -> bool:
        return self.found and all(f.matched for f in self.fields.values())

    def as_json(self) -> dict[str, object]:
        return {
            "found": self.found,
            "fields": {name: {"matched": f.matched, "score": f.score} for name, f in self.fields.items()},
        }


@dataclass(frozen=True)
class FaceMatch:
    # "" when a face was compared; otherwise why not: no_face, several_faces, too_dark,
    # blurred, too_small (the selfie) or no_reference (the registry holds no photo).
    problem: str
    score: float | None = None  # similarity 0-100
    provider_reference: str = ""

    @property
    def matched(self) -> bool:
        return not self.problem and self.score is not None and self.score >= settings.FACE_MATCH_MIN_SCORE


@dataclass(frozen=True)
class Liveness:
    live: bool
    # why not: too_few_frames, no_face, no_turn_left, no_turn_right, wrong_order, no_blink,
    # face_changed
    reason: str = ""
    provider_reference: str = ""


class IdentityProvider(Protocol):
    def data_match(self, *, reference: str, claim: IdentityClaim) -> DataMatch: ...

    def face_match(self, *, reference: str, nik: str, selfie: bytes) -> FaceMatch: ...

    def liveness(self, *, reference: str, frames: Sequence[bytes], challenge: Sequence[str]) -> Liveness: ...


def identity_provider() -> IdentityProvider:
    provider: IdentityProvider = import_string(settings.IDENTITY_PROVIDER)()
    return provider
