"""A platform's lifecycle: every step through one service, with a reason, a dated history
entry with the staff user, an audit record, an email and a webhook to the platform."""

import datetime as dt

import pytest
from django.db import IntegrityError

from partners.models import Agreement, PartnerStatus, StatusChange, WebhookEndpoint, WebhookEvent
from partners.platforms.services.lifecycle import LifecycleError, agreement_record, partner_status_change
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from prakerja.messaging.models import SandboxMessage
from tests.conftest import run_after_commit_tasks
from tests.factories import PartnerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def test_from_invitation_to_termination_every_step_is_recorded_and_told(django_capture_on_commit_callbacks):
    # given a prospect platform with a contact address and a partner manager
    partner = PartnerFactory.create(status=PartnerStatus.PROSPECT, contact_email="kemitraan@contoh.example.id")
    manager = Actor.for_user(StaffUserFactory.create())
    WebhookEndpoint.objects.create(partner=partner, url="https://contoh.example.id/hook", secret_encrypted=b"x")

    # when it is invited, discussed, signs, is onboarded, goes live, is suspended, resumes, ends
    with django_capture_on_commit_callbacks() as callbacks:
        for to in (PartnerStatus.INVITED, PartnerStatus.IN_DISCUSSION):
            partner_status_change(partner=partner, to=to, reason=f"Langkah {to}", actor=manager)
        with pytest.raises(LifecycleError):  # no agreement recorded yet
            partner_status_change(
                partner=partner, to=PartnerStatus.AGREEMENT_SIGNED, reason="Tanda tangan", actor=manager
            )
        agreement_record(
            partner=partner,
            number="PKS/001",
            signed_on=dt.date(2020, 3, 20),
            starts_on=dt.date(2020, 3, 20),
            ends_on=dt.date(2020, 12, 31),
            actor=manager,
        )
        for to in (
            PartnerStatus.AGREEMENT_SIGNED,
            PartnerStatus.ONBOARDING,
            PartnerStatus.ACTIVE,
            PartnerStatus.SUSPENDED,
            PartnerStatus.ACTIVE,
            PartnerStatus.TERMINATED,
        ):
            partner_status_change(partner=partner, to=to, reason=f"Langkah {to}", actor=manager)
    # (the emails are sent here; the webhook deliveries stay queued in their outbox)
    run_after_commit_tasks([c for c in callbacks if "email" in repr(c)])

    # then the history has each step with its reason and user, in order
    history = list(StatusChange.objects.filter(partner=partner).order_by("pk"))
    assert [(h.from_status, h.to_status) for h in history] == [
        ("prospect", "invited"),
        ("invited", "in_discussion"),
        ("in_discussion", "agreement_signed"),
        ("agreement_signed", "onboarding"),
        ("onboarding", "active"),
        ("active", "suspended"),
        ("suspended", "active"),
        ("active", "terminated"),
    ]
    assert all(h.changed_by == manager.user and h.reason.startswith("Langkah") for h in history)
    # and each was audited, sent by webhook, and emailed to the platform
    assert AuditEvent.objects.filter(action="partner.status_changed", object_id=str(partner.pk)).count() == 8
    assert WebhookEvent.objects.filter(partner=partner, type="partner.status_changed").count() == 8
    emails = SandboxMessage.objects.filter(channel="email", to="kemitraan@contoh.example.id")
    assert emails.count() == 8
    assert all("Alasan: Langkah" in email.body for email in emails)

    # and nothing follows termination
    with pytest.raises(LifecycleError):
        partner_status_change(partner=partner, to=PartnerStatus.ACTIVE, reason="Coba lagi", actor=manager)


def test_an_invited_platform_may_decline_and_an_active_one_withdraw():
    pmo = Actor.system("test")
    invited = PartnerFactory.create(status=PartnerStatus.INVITED)
    active = PartnerFactory.create(status=PartnerStatus.ACTIVE)

    partner_status_change(partner=invited, to=PartnerStatus.DECLINED, reason="Bukan bisnis inti kami", actor=pmo)
    partner_status_change(partner=active, to=PartnerStatus.WITHDRAWN, reason="Keluar atas kemauan sendiri", actor=pmo)

    invited.refresh_from_db()
    active.refresh_from_db()
    assert (invited.status, active.status) == (PartnerStatus.DECLINED, PartnerStatus.WITHDRAWN)
    with pytest.raises(LifecycleError):
        partner_status_change(partner=active, to=PartnerStatus.SUSPENDED, reason="-", actor=pmo)
    with pytest.raises(LifecycleError):
        partner_status_change(partner=PartnerFactory.create(), to=PartnerStatus.SUSPENDED, reason=" ", actor=pmo)


def test_an_agreement_caps_the_commission_at_15_percent():
    partner = PartnerFactory.create()
    day = dt.date(2020, 3, 20)
    with pytest.raises(LifecycleError):
        agreement_record(
            partner=partner,
            number="PKS/9",
            signed_on=day,
            starts_on=day,
            ends_on=day.replace(year=2021),
            commission_cap_bp=2000,
            actor=Actor.system("test"),
        )
    with pytest.raises(IntegrityError):
        Agreement.objects.create(
            partner=partner, number="PKS/10", signed_on=day, starts_on=day, ends_on=day, commission_cap_bp=1500
        )
