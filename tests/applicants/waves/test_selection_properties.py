"""Properties of the selection over generated waves: quotas, family cards, eligibility,
no wasted places, priority first, determinism."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applicants.models import INELIGIBILITY_REASONS, Outcome, Reason, RegistryKind, WaveProvinceQuota
from applicants.waves.services.selection import selection_compute
from tests.applicants.wave_setups import Person, bulk_members, close, earlier_cards, put_on_registry
from tests.factories import WaveFactory

pytestmark = pytest.mark.django_db

PROVINCES = ["11", "32", "35"]
FAMILIES = ["kk-a", "kk-b", "kk-c", None, None, None]
LISTS = [RegistryKind.CIVIL_SERVANT, RegistryKind.STUDENT, RegistryKind.BLACKLIST, RegistryKind.PRIORITY]
TOO_YOUNG = dt.date(2015, 1, 1)


@dataclass(frozen=True)
class Spec:
    person: Person
    lists: frozenset[str]


specs = st.builds(
    Spec,
    person=st.builds(
        Person,
        province=st.sampled_from(PROVINCES),
        family=st.sampled_from(FAMILIES),
        birth=st.sampled_from([dt.date(1990, 1, 1), dt.date(1975, 6, 30), TOO_YOUNG]),
    ),
    lists=st.frozensets(st.sampled_from(LISTS), max_size=2),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    members=st.lists(specs, min_size=1, max_size=30),
    national=st.integers(1, 30),
    province_quotas=st.dictionaries(st.sampled_from(PROVINCES), st.integers(0, 12), max_size=3),
    earlier=st.lists(st.sampled_from(["kk-a", "kk-b"]), max_size=3),
    seed=st.integers(0, 2**62),
)
def test_selection_properties(members, national, province_quotas, earlier, seed) -> None:
    with transaction.atomic():
        # Given a generated wave with lists, quotas and earlier recipients of some family cards
        if sum(province_quotas.values()) > national:
            province_quotas = {}
        if earlier:
            earlier_cards(close(WaveFactory.create()), earlier)
        wave = close(WaveFactory.create(national_quota=national))
        created = bulk_members(wave, [m.person for m in members])
        for kind in LISTS:
            on_list = [c.applicant for c, m in zip(created, members, strict=True) if kind in m.lists]
            if on_list:
                put_on_registry(kind, on_list, source=f"uji-{kind}")
        for code, quota in province_quotas.items():
            WaveProvinceQuota.objects.create(wave=wave, province_id=code, quota=quota)

        # When the selection is computed (twice with the same seed)
        decisions = selection_compute(wave=wave, seed=seed)
        assert selection_compute(wave=wave, seed=seed) == decisions

        spec_of = {c.pk: m for c, m in zip(created, members, strict=True)}
        selected = [d for d in decisions if d.outcome == Outcome.SELECTED]
        # Then every member has exactly one decision
        assert sorted(d.member_id for d in decisions) == sorted(spec_of)
        # quotas are never exceeded
        assert len(selected) <= national
        per_province = Counter(spec_of[d.member_id].person.province for d in selected)
        for code, quota in province_quotas.items():
            assert per_province[code] <= quota
        # the family-card limit holds, counting earlier recipients
        per_family = Counter(spec_of[d.member_id].person.family for d in selected)
        for family, count in per_family.items():
            if family is not None:
                assert count + earlier.count(family) <= 2
        # nobody ineligible is selected, and each ineligible member says why
        for d in decisions:
            spec = spec_of[d.member_id]
            excluded = bool(spec.lists & {RegistryKind.CIVIL_SERVANT, RegistryKind.STUDENT, RegistryKind.BLACKLIST})
            if excluded or spec.person.birth == TOO_YOUNG:
                assert d.outcome == Outcome.INELIGIBLE
            if d.outcome == Outcome.INELIGIBLE:
                assert set(d.reasons) <= INELIGIBILITY_REASONS
                assert d.reasons
            else:
                assert not set(d.reasons) & INELIGIBILITY_REASONS
        # no place is wasted: an eligible member left out means their province or the nation is full
        for d in decisions:
            if d.outcome == Outcome.NOT_SELECTED:
                province = spec_of[d.member_id].person.province
                full_province = province in province_quotas and per_province[province] >= province_quotas[province]
                assert full_province or len(selected) == national
        # priority members are never passed over by others of their province
        for d in decisions:
            if d.outcome == Outcome.NOT_SELECTED and Reason.PRIORITY in d.reasons:
                province = spec_of[d.member_id].person.province
                assert all(
                    Reason.PRIORITY in s.reasons for s in selected if spec_of[s.member_id].person.province == province
                )
        transaction.set_rollback(True)
