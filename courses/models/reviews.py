from django.db import models
from django.utils.translation import gettext_lazy as _

from applicants.models import Card
from courses.models.catalogue import Course


class CourseReview(models.Model):
    """A participant's rating and review of a course they completed: one per card and course."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="reviews")
    card = models.ForeignKey(Card, verbose_name=_("card"), on_delete=models.PROTECT, related_name="reviews")
    rating = models.PositiveSmallIntegerField(_("rating (1-5)"))
    text = models.TextField(_("review"))
    author_name = models.CharField(_("shown as"), max_length=60)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    # The platform the course was bought on (partners' id, given by the caller; no foreign key:
    # courses sits below partners). The platforms' evaluation averages ratings by it.
    platform_id = models.PositiveIntegerField(_("platform"), null=True, blank=True)

    class Meta:
        verbose_name = _("course review")
        verbose_name_plural = _("course reviews")
        constraints = [
            models.UniqueConstraint(fields=["card", "course"], name="review_once_per_card_course"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
        ]
        indexes = [
            models.Index(fields=["course", "-created_at"], name="review_course_recent_idx"),
            models.Index(fields=["created_at"], name="review_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.course_id}: {self.rating}"
