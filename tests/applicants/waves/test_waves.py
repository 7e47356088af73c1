"""Waves: quotas, opening and closing on time, joining, and the dashboard's states."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.errors import ApplicantError
from applicants.models import Blacklisting, Province, RegistryKind, Step, WaveMember, WaveStatus
from applicants.registration.services.identity import applicant_identity_submit
from applicants.waves.services.selection import wave_selection_run
from applicants.waves.services.waves import WaveError, quotas_parse_csv, wave_join, wave_quotas_set, waves_advance
from prakerja.core.actor import Actor
from tests.applicants.wave_setups import close, put_on_registry
from tests.factories import ApplicantFactory, StaffUserFactory, WaveFactory, WaveMemberFactory

pytestmark = pytest.mark.django_db


def join(applicant, wave):
    return wave_join(applicant=applicant, wave=wave, province=applicant.province, statements_accepted=True)


def test_a_ready_applicant_joins_an_open_wave_once() -> None:
    # Given a ready applicant and an open wave
    applicant = ApplicantFactory.create(reached=Step.READY)
    wave = WaveFactory.create()
    # When they join
    member = join(applicant, wave)
    # Then they are a member for their province, and cannot join again or join another wave
    assert member.province == applicant.province
    with pytest.raises(ApplicantError, match="sudah bergabung"):
        join(applicant, wave)
    with pytest.raises(ApplicantError, match="sudah bergabung"):
        join(applicant, WaveFactory.create())


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda a: None, "Selesaikan"),
        (lambda a: Blacklisting.objects.create(nik_index=a.nik_index, applicant=a, reason="x"), "tidak dapat lagi"),
        (lambda a: put_on_registry(RegistryKind.BLACKLIST, [a]), "tidak dapat lagi"),
        (lambda a: put_on_registry(RegistryKind.PRIOR_RECIPIENT, [a]), "sekali seumur hidup"),
    ],
    ids=["not-ready", "blacklisted-by-programme", "blacklist-registry", "prior-recipient"],
)
def test_joining_is_refused_with_the_reason(setup, message) -> None:
    applicant = ApplicantFactory.create(reached=Step.READY if message != "Selesaikan" else Step.BASIC_TEST)
    setup(applicant)
    with pytest.raises(ApplicantError, match=message):
        join(applicant, WaveFactory.create())


def test_joining_needs_the_statements_and_an_open_wave() -> None:
    applicant = ApplicantFactory.create(reached=Step.READY)
    wave = WaveFactory.create()
    with pytest.raises(ApplicantError, match="pernyataan"):
        wave_join(applicant=applicant, wave=wave, province=applicant.province, statements_accepted=False)  # type: ignore[arg-type]
    closed = close(WaveFactory.create())
    with pytest.raises(ApplicantError, match="tidak dibuka"):
        join(applicant, closed)


def test_waves_open_and_close_on_time_by_themselves() -> None:
    # Given a scheduled wave opening at 08:00 and closing at 20:00
    opens = timezone.make_aware(dt.datetime(2026, 12, 1, 8, 0))
    wave = WaveFactory.create(status=WaveStatus.DRAFT, opens_at=opens, closes_at=opens + dt.timedelta(hours=12))
    # When the clock ticks before, at opening, and at closing
    assert waves_advance(now=opens - dt.timedelta(seconds=1)) == {"opened": [], "closed": []}
    assert waves_advance(now=opens) == {"opened": [wave.number], "closed": []}
    assert waves_advance(now=opens + dt.timedelta(hours=12)) == {"opened": [], "closed": [wave.number]}
    # Then it is closed, and a second tick changes nothing
    wave.refresh_from_db()
    assert wave.status == WaveStatus.CLOSED
    assert waves_advance(now=opens + dt.timedelta(hours=13)) == {"opened": [], "closed": []}


def test_province_quotas_from_csv_may_not_exceed_the_national_quota() -> None:
    # Given a CSV with a header, a code, a name, an unknown province and a bad number
    quotas, problems = quotas_parse_csv(data=b"provinsi,kuota\n32,600\nAceh,300\nAtlantis,5\n31,banyak\n")
    assert quotas == {"32": 600, "11": 300}
    assert [p.line for p in problems] == [4, 5]
    # When set on a wave of 1,000 places, Then it fits; 1,001 in total does not
    wave = WaveFactory.create(national_quota=1000)
    staff = StaffUserFactory.create()
    wave_quotas_set(wave=wave, quotas=quotas, actor=Actor.for_user(staff))
    assert wave.province_quotas.count() == 2
    with pytest.raises(WaveError):
        wave_quotas_set(wave=wave, quotas={"32": 701, "11": 300}, actor=Actor.for_user(staff))


def test_identity_is_frozen_once_a_wave_is_joined() -> None:
    member = WaveMemberFactory.create()
    with pytest.raises(ApplicantError, match="tidak dapat diubah"):
        applicant_identity_submit(
            applicant=member.applicant,
            nik="3273015705950001",
            kk_number="3273010101000002",
            full_name="Nama Lain",
            birth_date=dt.date(1995, 5, 17),
            today=timezone.localdate(),
        )


def test_the_dashboard_follows_the_member_from_joining_to_the_result(training_fund: int) -> None:
    # Given a ready applicant logged in, and an open wave
    applicant = ApplicantFactory.create(reached=Step.READY)
    wave = WaveFactory.create(national_quota=5)
    client = Client()
    client.force_login(applicant.user)
    dashboard = reverse("applicants:dashboard")
    assert f"Gabung gelombang {wave.number}" in client.get(dashboard).content.decode()

    # When they join through the page
    page = client.post(
        reverse("applicants:wave-join", args=[wave.number]),
        {
            "province": Province.objects.get(code="32").pk,
            "statement_not_excluded": "on",
            "statement_true": "on",
            "statement_rules": "on",
        },
    )
    # Then they wait for the wave to close, then it is processed, then they see their card
    assert page.status_code == 302
    assert "Menunggu gelombang ditutup" in client.get(dashboard).content.decode()
    close(wave)
    assert "sedang diproses" in client.get(dashboard).content.decode()
    wave_selection_run(wave_id=wave.pk, seed=1)
    html = client.get(dashboard).content.decode()
    card = applicant.card
    assert card.number[:4] in html
    assert "Rp3.500.000" in html


def test_a_refused_join_shows_the_reason_in_indonesian() -> None:
    applicant = ApplicantFactory.create(reached=Step.READY)
    wave = WaveFactory.create()
    client = Client()
    client.force_login(applicant.user)
    page = client.post(reverse("applicants:wave-join", args=[wave.number]), {"province": applicant.province_id})
    assert page.status_code == 200
    assert "pernyataan" in page.content.decode()
    assert not WaveMember.objects.exists()
