import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SchemeQuerySet(models.QuerySet["Scheme"]):
    def in_force(self, on: dt.date | None = None) -> "Scheme | None":
        """The scheme that applies on a day (the latest one started by then), Jakarta time."""
        day = on or timezone.localdate()
        return self.filter(effective_from__lte=day).order_by("-effective_from").first()


class Scheme(models.Model):
    """The benefit rules of a period. Data, never constants: the PMO edits them in the admin."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    effective_from = models.DateField(_("in force from"), unique=True)
    training_balance = models.BigIntegerField(_("training balance (Rp)"))
    incentive_amount = models.BigIntegerField(_("post-training incentive per instalment (Rp)"))
    incentive_count = models.PositiveSmallIntegerField(_("post-training incentive instalments"))
    survey_amount = models.BigIntegerField(_("survey incentive (Rp)"))
    survey_count = models.PositiveSmallIntegerField(_("paid surveys"))
    first_purchase_days = models.PositiveSmallIntegerField(_("days to buy the first course"))
    min_age = models.PositiveSmallIntegerField(_("minimum age"))
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    exclude_social_aid = models.BooleanField(_("exclude other social-aid recipients"))
    max_recipients_per_family_card = models.PositiveSmallIntegerField(_("recipients per family card"), default=2)
    min_course_hours = models.PositiveSmallIntegerField(_("minimum course hours"), default=0)
    # After this day, incentives never paid return to the treasury.
    incentive_deadline = models.DateField(_("incentives paid until"), null=True, blank=True)
    # Raised on every change, and recorded in each selection decision made under the scheme.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = SchemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("scheme")
        verbose_name_plural = _("schemes")
        ordering = ("-effective_from",)
        constraints = [
            models.CheckConstraint(condition=models.Q(training_balance__gt=0), name="scheme_training_balance_positive"),
            models.CheckConstraint(
                condition=models.Q(max_age__isnull=True) | models.Q(max_age__gte=models.F("min_age")),
                name="scheme_age_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name
