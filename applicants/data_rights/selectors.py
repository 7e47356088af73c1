"""Reads of personal data rights: the people a leaked data set affects."""

from django.db.models import QuerySet

from applicants.data_rights.models import BreachNotification
from applicants.models import Applicant


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
