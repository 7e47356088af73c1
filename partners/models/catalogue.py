from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.models import Course


class CatalogueEntry(models.Model):
    """What the catalogue's text search reads, one narrow row per listable course: the course's
    search vector, the columns its filters and orders need, and the platforms with an active
    listing of it. Ranking a common word reads thousands of matches; from this table (a third
    of the course row's width, no join to the listings) that costs a few milliseconds.

    Never written by Python: triggers on `courses_course` and `partners_listing` keep it (the
    migration that creates it), so `QuerySet.update()`, raw SQL and bulk loads keep it too."""

    course = models.OneToOneField(
        Course,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="catalogue_entry",
        verbose_name=_("course"),
    )
    institution_id = models.BigIntegerField(_("institution"))
    category_id = models.BigIntegerField(_("category"))
    method = models.CharField(_("learning method"), max_length=12)
    province_id = models.CharField(_("province"), max_length=2, null=True)  # noqa: DJ001 (the course FK column it mirrors)
    price = models.BigIntegerField(_("price on Prakerja (Rp)"))
    rating_average = models.DecimalField(_("average rating"), max_digits=3, decimal_places=2, null=True)
    created_at = models.DateTimeField(_("created at"))
    search_vector = SearchVectorField()
    # Platforms with an active listing of the course (whatever their status: the catalogue
    # leaves out the few that may not sell at query time).
    partner_ids = ArrayField(models.BigIntegerField(), default=list)

    class Meta:
        verbose_name = _("catalogue entry")
        verbose_name_plural = _("catalogue entries")
        # Internal (no admin screen): no permissions for staff roles to hold.
        default_permissions = ()
        indexes = [GinIndex(fields=["search_vector"], name="catalogue_entry_search_idx")]

    def __str__(self) -> str:
        return str(self.course_id)
