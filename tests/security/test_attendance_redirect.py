"""Turning the attendance link into an open redirect: an institution (or whoever holds its
sign key) asks for an attendance URL whose redirect_uri points at another site, or at its own
site over plain http, so that the participant's browser carries the redeem code there in the
query string. Only https addresses on hosts registered for the institution are accepted."""

import pytest

from courses.services.institutions import institution_redirect_hosts_set
from courses.services.redemption import redeem_code_issue
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from tests.factories import ScheduleFactory, StaffUserFactory
from tests.security.protocols import URL_GENERATE, SignedInstitution

pytestmark = pytest.mark.django_db


@pytest.fixture
def lp() -> SignedInstitution:
    institution = SignedInstitution()
    institution_redirect_hosts_set(
        institution=institution.record,
        hosts=["lms.lembaga.example.id"],
        actor=Actor.for_user(StaffUserFactory.create()),
    )
    return institution


def url_generate(lp: SignedInstitution, redirect_uri: str) -> tuple[int, dict]:
    schedule = ScheduleFactory.create(course__institution=lp.record)
    code = redeem_code_issue(course=schedule.course, schedule=schedule)
    response = lp.call(
        URL_GENERATE,
        {"redeem_code": code.code, "sequence": 1, "redirect_uri": redirect_uri, "email": "peserta@contoh.id"},
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://penipu.example.com/tangkap",  # another site
        "http://lms.lembaga.example.id/kembali",  # the right host, in clear text
        "https://lms.lembaga.example.id.penipu.example.com/",  # a look-alike host
        "https://lms.lembaga.example.id@penipu.example.com/",  # a user part: the host is the other
        "https://penipu.example.com\\@lms.lembaga.example.id/",  # browsers read \ as /
        "https://sub.lms.lembaga.example.id/",  # registered hosts match exactly
        "javascript:alert(1)",
    ],
)
def test_a_redirect_to_anything_but_a_registered_https_host_is_refused(lp, redirect_uri):
    # when: the institution asks for an attendance link returning there
    status, body = url_generate(lp, redirect_uri)
    # then: refused, and no link was made
    assert status == 422, body
    assert body["success"] is False
    assert "url" not in body["data"]


def test_a_redirect_to_a_registered_https_host_is_accepted(lp):
    status, body = url_generate(lp, "https://lms.lembaga.example.id:8443/kehadiran?kelas=7")
    assert status == 200, body
    assert body["data"]["url"]


def test_registering_hosts_is_audited_and_checked():
    # given: a PMO staff member and an institution
    lp = SignedInstitution()
    staff = StaffUserFactory.create()
    # when: the hosts are set (mixed case, a trailing dot, a duplicate)
    institution_redirect_hosts_set(
        institution=lp.record, hosts=["LMS.Lembaga.example.id.", "lms.lembaga.example.id"], actor=Actor.for_user(staff)
    )
    # then: stored once, normalised, and the change is in the audit trail
    lp.record.refresh_from_db()
    assert lp.record.attendance_redirect_hosts == ["lms.lembaga.example.id"]
    event = AuditEvent.objects.get(action="institution.redirect_hosts_set")
    assert event.payload["to"] == ["lms.lembaga.example.id"]
    # and a URL instead of a host is refused
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        institution_redirect_hosts_set(
            institution=lp.record, hosts=["https://lms.lembaga.example.id/"], actor=Actor.for_user(staff)
        )


def test_a_curator_registers_hosts_in_the_admin_and_the_change_is_audited(staff_groups):
    from django.test import Client
    from django.urls import reverse

    # given: a curator and an institution with one registered host
    lp = SignedInstitution()
    client = Client()
    client.force_login(StaffUserFactory.create(group="curator"))
    record = lp.record
    # when: the curator sets two hosts on the institution's admin page
    response = client.post(
        reverse("admin:courses_traininginstitution_change", args=[record.pk]),
        {
            "legal_name": record.legal_name,
            "brand": record.brand,
            "business_number": record.business_number,
            "licence_number": "",
            "contact_email": record.contact_email,
            "contact_phone": "",
            "attendance_redirect_hosts": "lms.lembaga.example.id,kelas.lembaga.example.id",
            "owners-TOTAL_FORMS": "0",
            "owners-INITIAL_FORMS": "0",
            "signing_keys-TOTAL_FORMS": "1",
            "signing_keys-INITIAL_FORMS": "1",
            "signing_keys-0-id": str(record.signing_keys.get().pk),
            "signing_keys-0-institution": str(record.pk),
        },
    )
    # then: stored and audited with the curator as actor
    assert response.status_code == 302, response.content.decode()[:2000]
    record.refresh_from_db()
    assert record.attendance_redirect_hosts == ["kelas.lembaga.example.id", "lms.lembaga.example.id"]
    event = AuditEvent.objects.get(action="institution.redirect_hosts_set")
    assert event.payload["from"] == ["lp.example.id"]
