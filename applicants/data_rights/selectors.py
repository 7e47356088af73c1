"""Reads of personal data rights: an applicant's own requests, the people a leaked data set affects."""

from typing import Any

from django.db.models import QuerySet

from applicants.data_rights.models import AccessRequest, BreachNotification, CorrectionRequest
from applicants.models import Applicant, Card


def breach_affected(*, notification: BreachNotification) -> QuerySet[Applicant]:
    """The applicants in the data set the notification describes: every criterion given must
    hold (wave, province, ids); with none given, nobody (never "everyone" by accident)."""
    people = Applicant.objects.filter(user__is_active=True)
    if not (notification.wave_id or notification.province_id or notification.applicant_ids):
        return people.none()
    if notification.wave_id:
        people = people.filter(wave_memberships__wave_id=notification.wave_id)
    if notification.province_id:
        people = people.filter(province_id=notification.province_id)
    if notification.applicant_ids:
        people = people.filter(pk__in=notification.applicant_ids)
    return people.distinct().order_by("pk")


def account_deletable(*, applicant: Applicant) -> bool:
    """Only an applicant never selected (no card) may have the account deleted; a card backs
    money movements whose records are kept for the retention period."""
    return not Card.objects.filter(applicant_id=applicant.pk).exists()


def my_data_overview(*, applicant: Applicant) -> dict[str, Any]:
    """What the applicant's "my personal data" page shows: their latest requests of each kind
    and whether the account may be deleted."""
    return {
        "access_requests": AccessRequest.objects.filter(applicant=applicant)[:5],
        "corrections": CorrectionRequest.objects.filter(applicant=applicant).order_by("-requested_at")[:10],
        "restrictions": applicant.restriction_requests.all()[:5],
        "deletable": account_deletable(applicant=applicant),
    }
