"""The sandbox civil registry: a synthetic population, per-field answers, a real face match
and liveness, latency and outages."""

import datetime as dt
import time

import pytest
from pytest_django.fixtures import SettingsWrapper

from prakerja.identity.provider import IdentityClaim, IdentityProviderUnavailable, identity_provider
from prakerja.identity.sandbox import SandboxIdentityProvider, sandbox_person_register
from tests import faces as photos

pytestmark = pytest.mark.django_db

NIK = "3273015705950001"


def _register(**changes: object) -> None:
    values: dict[str, object] = {
        "nik": NIK,
        "full_name": "Siti Rahmawati",
        "birth_date": dt.date(1995, 5, 17),
        "birth_place": "Kota Bandung",
        "photo": photos.registry_photo(),
    }
    sandbox_person_register(**{**values, **changes})  # type: ignore[arg-type]


def _claim(**changes: object) -> IdentityClaim:
    values: dict[str, object] = {
        "nik": NIK,
        "full_name": "SITI RAHMAWATI",
        "birth_date": dt.date(1995, 5, 17),
        "birth_place": "Bandung",
    }
    return IdentityClaim(**{**values, **changes})  # type: ignore[arg-type]


def test_the_sandbox_is_the_default_provider() -> None:
    assert isinstance(identity_provider(), SandboxIdentityProvider)


def test_data_match_normalises_case_punctuation_and_place_prefixes() -> None:
    _register()
    answer = SandboxIdentityProvider().data_match(reference="r1", claim=_claim())
    assert answer.matched
    assert answer.provider_reference.startswith("SBX-")


def test_data_match_reports_the_field_that_differs() -> None:
    _register()
    answer = SandboxIdentityProvider().data_match(
        reference="r2", claim=_claim(full_name="Siti Rahmawaty", birth_date=dt.date(1995, 5, 18))
    )
    assert answer.found
    assert not answer.matched
    assert not answer.fields["full_name"].matched
    assert (answer.fields["full_name"].score or 0) > 80
    assert not answer.fields["birth_date"].matched
    assert answer.fields["birth_place"].matched


def test_unknown_nik_is_not_found() -> None:
    assert not SandboxIdentityProvider().data_match(reference="r3", claim=_claim()).found


def test_face_match_is_real() -> None:
    _register()
    provider = SandboxIdentityProvider()
    same = provider.face_match(reference="r4", nik=NIK, selfie=photos.selfie())
    assert same.matched
    assert (same.score or 0) > 70
    _register(photo=photos.other_person_photo(7))
    other = provider.face_match(reference="r5", nik=NIK, selfie=photos.selfie())
    assert other.problem == ""
    assert not other.matched


def test_face_match_reports_a_bad_selfie_and_a_missing_reference() -> None:
    _register(photo=None)
    provider = SandboxIdentityProvider()
    assert provider.face_match(reference="r6", nik=NIK, selfie=photos.dark_selfie()).problem == "too_dark"
    assert provider.face_match(reference="r7", nik=NIK, selfie=photos.selfie()).problem == "no_reference"


def test_liveness_is_real() -> None:
    provider = SandboxIdentityProvider()
    steps = ("right", "left", "blink")
    assert provider.liveness(reference="r8", frames=photos.challenge_burst(steps), challenge=steps).live
    assert not provider.liveness(reference="r9", frames=photos.burst(blink=True), challenge=steps).live


def test_outages_and_latency(settings: SettingsWrapper) -> None:
    settings.SANDBOX_IDENTITY_OUTAGE_RATE = 1.0
    with pytest.raises(IdentityProviderUnavailable):
        SandboxIdentityProvider().data_match(reference="r10", claim=_claim())
    settings.SANDBOX_IDENTITY_OUTAGE_RATE = 0.0
    settings.SANDBOX_IDENTITY_LATENCY_MS = 100
    started = time.monotonic()
    SandboxIdentityProvider().data_match(reference="r11", claim=_claim())
    assert time.monotonic() - started >= 0.05


def test_a_share_of_the_population_differs_from_what_people_type(settings: SettingsWrapper) -> None:
    settings.SANDBOX_IDENTITY_MISMATCH_RATE = 0.5
    provider = SandboxIdentityProvider()
    mismatched = 0
    for serial in range(1, 41):
        nik = f"32730157059500{serial:02d}"
        sandbox_person_register(
            nik=nik, full_name="Siti Rahmawati", birth_date=dt.date(1995, 5, 17), birth_place="Bandung"
        )
        mismatched += not provider.data_match(reference=f"m{serial}", claim=_claim(nik=nik)).matched
    assert 8 <= mismatched <= 32
