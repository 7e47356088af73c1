"""Writes: accepting a notice version, granting or withdrawing a separate consent (audited)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applicants.errors import ApplicantError
from applicants.privacy.models import Consent, ConsentChannel, ConsentPurpose, NoticeAcceptance, PrivacyNotice
from applicants.privacy.selectors import notice_current
from applicants.registration.models import Applicant
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor


def notice_accept_current(*, applicant: Applicant, channel: str = ConsentChannel.WEB) -> NoticeAcceptance | None:
    """The notice in force accepted (with the account, at registration); None before any is published."""
    notice = notice_current()
    return None if notice is None else notice_accept(applicant=applicant, notice=notice, channel=channel)


class PrivacyError(ApplicantError):
    default_message = _("This privacy choice cannot be recorded.")


@transaction.atomic
def notice_accept(
    *, applicant: Applicant, notice: PrivacyNotice, channel: str = ConsentChannel.WEB
) -> NoticeAcceptance:
    """Record that the applicant accepted this version (once; a repeat returns the first)."""
    acceptance, created = NoticeAcceptance.objects.get_or_create(
        applicant=applicant, notice=notice, defaults={"accepted_at": timezone.now(), "channel": channel}
    )
    if created:
        audit_record(
            actor=Actor.for_user(applicant.user),
            action="privacy.notice_accepted",
            target=applicant,
            payload={"version": notice.version, "channel": channel},
        )
    return acceptance


@transaction.atomic
def consent_set(*, applicant: Applicant, purpose: str, granted: bool, channel: str = ConsentChannel.WEB) -> Consent:
    """Grant or withdraw one purpose; only a change is written and audited."""
    if purpose not in ConsentPurpose.values:
        raise PrivacyError(_("Unknown purpose."), field="purpose")
    if granted and applicant.processing_restricted_at is not None:
        raise PrivacyError(
            _("You asked us to restrict the use of your data, so it cannot be shared for this purpose."),
            code="processing_restricted",
            field="purpose",
        )
    consent = Consent.objects.select_for_update().filter(applicant=applicant, purpose=purpose).first()
    if consent is not None and consent.granted == granted:
        return consent
    now = timezone.now()
    if consent is None:
        consent = Consent.objects.create(
            applicant=applicant, purpose=purpose, granted=granted, changed_at=now, channel=channel
        )
    else:
        consent.granted, consent.changed_at, consent.channel = granted, now, channel
        consent.save(update_fields=["granted", "changed_at", "channel"])
    audit_record(
        actor=Actor.for_user(applicant.user),
        action="privacy.consent_granted" if granted else "privacy.consent_withdrawn",
        target=applicant,
        payload={"purpose": purpose, "channel": channel},
    )
    return consent


@transaction.atomic
def notice_publish(
    *, actor: Actor, title: str, summary: str, text: str, published_at: dt.datetime | None = None
) -> PrivacyNotice:
    """A new version (the next number); from `published_at` on, applicants are asked to accept it."""
    last = PrivacyNotice.objects.select_for_update().order_by("-version").first()
    notice = PrivacyNotice.objects.create(
        version=(last.version + 1) if last else 1,
        title=title,
        summary=summary,
        text=text,
        published_at=published_at or timezone.now(),
    )
    audit_record(actor=actor, action="privacy.notice_published", target=notice, payload={"version": notice.version})
    return notice
