"""Privacy notice versions, acceptance at registration and at the next login, separate consents."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.models import Applicant, Consent, ConsentPurpose, NoticeAcceptance, PrivacyNotice
from applicants.privacy.selectors import notice_current
from prakerja.audit.models import AuditEvent
from tests.factories import ApplicantFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Belajar-Terus-2026"
ACCOUNT = {"email": "rina@contoh.id", "password1": PASSWORD, "password2": PASSWORD, "terms": "on"}


def publish(version: int) -> PrivacyNotice:
    return PrivacyNotice.objects.create(
        version=version, title=f"Versi {version}", summary="Ringkas", text="Isi", published_at=timezone.now()
    )


def signed_in(applicant: Applicant) -> Client:
    client = Client()
    client.force_login(applicant.user)
    return client


def test_a_fresh_database_has_a_first_notice_in_force():
    # given the migrations only / when the notice in force is read
    notice = notice_current()
    # then it is version 1, and its page is public
    assert notice is not None
    assert notice.version == 1
    response = Client().get(reverse("applicants:privacy-notice"))
    assert response.status_code == 200
    assert notice.title in response.content.decode()


def test_registering_records_the_acceptance_of_the_notice_in_force():
    # given the registration form with its required tick
    # when a person registers
    Client().post(reverse("applicants:register"), ACCOUNT)
    # then the acceptance of version 1 is recorded, on the web channel, and audited
    acceptance = NoticeAcceptance.objects.get(applicant__user__email="rina@contoh.id")
    assert acceptance.notice.version == 1
    assert acceptance.channel == "web"
    assert AuditEvent.objects.filter(action="privacy.notice_accepted", payload__version=1).exists()


def test_the_registration_form_links_to_the_notice_and_requires_the_tick():
    response = Client().post(reverse("applicants:register"), {**ACCOUNT, "terms": ""})
    assert response.status_code == 200
    assert not Applicant.objects.exists()
    assert reverse("applicants:privacy-notice") in Client().get(reverse("applicants:register")).content.decode()


def test_a_new_version_asks_again_until_accepted():
    # given an applicant who accepted version 1
    applicant = ApplicantFactory.create()
    client = signed_in(applicant)
    # when version 2 is published
    publish(2)
    # then the dashboard sends them to the acceptance page
    response = client.get(reverse("applicants:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("applicants:privacy-accept"))
    # and posting without the tick does not let them through
    assert client.post(reverse("applicants:privacy-accept"), {}).status_code == 200
    # when they accept
    response = client.post(reverse("applicants:privacy-accept"), {"accept": "on", "next": "/akun/privasi/"})
    # then they continue where they were going, and both versions are on record
    assert response["Location"] == "/akun/privasi/"
    assert sorted(applicant.notice_acceptances.values_list("notice__version", flat=True)) == [1, 2]
    assert client.get(reverse("applicants:dashboard")).status_code == 200


def test_an_unpublished_future_version_asks_nothing_yet():
    applicant = ApplicantFactory.create()
    PrivacyNotice.objects.create(
        version=2, title="v2", summary="s", text="t", published_at=timezone.now() + dt.timedelta(days=3)
    )
    assert signed_in(applicant).get(reverse("applicants:dashboard")).status_code == 200


def test_staff_are_not_asked():
    publish(2)
    staff = StaffUserFactory.create()
    client = Client()
    client.force_login(staff)
    response = client.get(reverse("applicants:privacy-accept"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_separate_consents_are_granted_and_withdrawn_and_audited():
    # given an applicant who gave no separate consent
    applicant = ApplicantFactory.create()
    client = signed_in(applicant)
    assert not Consent.objects.filter(applicant=applicant).exists()
    # when they tick marketing on their privacy page
    client.post(reverse("applicants:privacy"), {ConsentPurpose.PLATFORM_MARKETING: "on"})
    # then only that purpose is granted
    choices = dict(applicant.consents.values_list("purpose", "granted"))
    assert choices == {ConsentPurpose.PLATFORM_MARKETING: True, ConsentPurpose.PROGRAMME_NEWS: False}
    # when they untick it
    client.post(reverse("applicants:privacy"), {})
    # then it is withdrawn, each change audited once (saving the same choice again writes nothing)
    assert not applicant.consents.get(purpose=ConsentPurpose.PLATFORM_MARKETING).granted
    client.post(reverse("applicants:privacy"), {})
    actions = list(AuditEvent.objects.filter(action__startswith="privacy.consent").values_list("action", flat=True))
    assert sorted(actions) == ["privacy.consent_granted", "privacy.consent_withdrawn", "privacy.consent_withdrawn"]


def test_staff_publish_a_new_version_with_the_next_number(staff_groups):
    # given a PMO administrator
    staff = StaffUserFactory.create(group="pmo_admin")
    client = Client()
    client.force_login(staff)
    # when they add a notice in the admin
    response = client.post(
        reverse("admin:applicants_privacynotice_add"),
        {
            "title": "Versi baru",
            "summary": "Ringkas",
            "text": "Isi",
            "published_at_0": "2026-02-01",
            "published_at_1": "08:00:00",
        },
    )
    # then it becomes version 2, audited
    assert response.status_code == 302
    assert PrivacyNotice.objects.get(title="Versi baru").version == 2
    assert AuditEvent.objects.filter(action="privacy.notice_published", payload__version=2).exists()
