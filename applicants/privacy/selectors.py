"""Reads of the privacy notice and of an applicant's choices."""

from django.db.models import Exists, OuterRef
from django.utils import timezone

from applicants.privacy.models import Consent, ConsentPurpose, NoticeAcceptance, PrivacyNotice
from applicants.registration.models import Applicant


def notice_current() -> PrivacyNotice | None:
    """The newest published version, or None before any is published."""
    return PrivacyNotice.objects.filter(published_at__lte=timezone.now()).order_by("-version").first()


def notice_acceptance_needed(applicant: Applicant) -> PrivacyNotice | None:
    """The version in force when the applicant has not accepted it yet, else None (one query:
    every applicant page asks)."""
    accepted = NoticeAcceptance.objects.filter(applicant=applicant, notice=OuterRef("pk"))
    notice = (
        PrivacyNotice.objects.filter(published_at__lte=timezone.now())
        .annotate(accepted=Exists(accepted))
        .order_by("-version")
        .first()
    )
    if notice is None or notice.accepted:
        return None
    return notice


def consent_choices(applicant: Applicant) -> dict[str, bool]:
    """Every separate purpose with the applicant's choice (not granted until they say so)."""
    granted = dict(Consent.objects.filter(applicant=applicant).values_list("purpose", "granted"))
    return {purpose.value: bool(granted.get(purpose.value, False)) for purpose in ConsentPurpose}
