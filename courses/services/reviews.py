"""Reviews: written once per participant and course, and folded into the course's rating."""

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils.translation import gettext as _

from applicants.incentives.services.entitlements import entitlement_course_reviewed
from applicants.models import Card
from applicants.waves.services.deadlines import DeadlineStep, deadline_check
from courses.errors import CourseError
from courses.models import Course, CourseReview


def _shown_name(full_name: str) -> str:
    """First name and initials: "Siti Rahmawati Putri" -> "Siti R. P."."""
    parts = full_name.split()
    if not parts:
        return _("Participant")
    return " ".join([parts[0], *(f"{p[0]}." for p in parts[1:])])[:60]


@transaction.atomic
def review_submit(
    *, card: Card, course: Course, rating: int, text: str, platform_id: int | None = None
) -> CourseReview:
    """The caller checks that this card completed this course (the purchase lives above) and
    says on which platform it was bought (`platform_id`, for the platforms' evaluation)."""
    deadline_check(card=card, step=DeadlineStep.REVIEW)
    if not 1 <= rating <= 5:
        raise CourseError(_("Choose from 1 to 5 stars."))
    text = text.strip()
    if len(text) < 20:
        raise CourseError(_("Write at least 20 characters about the course."))
    try:
        with transaction.atomic():
            review = CourseReview.objects.create(
                course=course,
                card=card,
                rating=rating,
                text=text[:4000],
                author_name=_shown_name(card.applicant.full_name),
                platform_id=platform_id,
            )
    except IntegrityError as exc:
        raise CourseError(_("You have already reviewed this course.")) from exc
    locked = Course.objects.select_for_update().get(pk=course.pk)
    figures = CourseReview.objects.filter(course=locked).aggregate(average=Avg("rating"), count=Count("pk"))
    locked.rating_average = figures["average"]
    locked.rating_count = figures["count"]
    locked.save(update_fields=["rating_average", "rating_count"])
    # The review of the first completed course is one of the conditions for the incentive.
    entitlement_course_reviewed(card_id=card.pk, course_id=course.pk, reviewed_at=review.created_at)
    return review
