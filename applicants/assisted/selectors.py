"""What a person registered with help sees of it: who registered them, when, and each step
staff took on their account (from the audit trail)."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from applicants.assisted.models import AssistedRegistration
from applicants.registration.models import Applicant
from prakerja.audit.models import AuditEvent

ACTION_WORDS = {
    "assisted.registered": _("An officer registered you with your identity and phone number"),
    "assisted.code_resent": _("An officer asked for a new code to your phone"),
    "assisted.phone_confirmed": _("An officer entered the code you read from your phone"),
}


@dataclass(frozen=True)
class AssistedHistory:
    registration: AssistedRegistration
    steps: list[tuple[Any, str]]


def assisted_history(applicant: Applicant) -> AssistedHistory | None:
    registration = AssistedRegistration.objects.filter(applicant=applicant).first()
    if registration is None:
        return None
    events = AuditEvent.objects.filter(
        object_type="applicants.applicant", object_id=str(applicant.pk), action__in=list(ACTION_WORDS)
    ).order_by("occurred_at")
    return AssistedHistory(registration, [(e.occurred_at, str(ACTION_WORDS[e.action])) for e in events])
