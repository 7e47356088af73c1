from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from applicants.models import Province, Regency
from courses.models.institutions import TrainingInstitution

# Indonesian has no stemmer in PostgreSQL: the "simple" configuration lower-cases and splits
# words without stemming, and trigram similarity catches misspellings and affixes.
SEARCH_CONFIG = "simple"


class LearningMethod(models.TextChoices):
    SELF_PACED = "self_paced", _("Self-paced online")
    WEBINAR = "webinar", _("Live webinar")
    OFFLINE = "offline", _("Offline class")
    HYBRID = "hybrid", _("Hybrid")


SCHEDULED_METHODS = frozenset({LearningMethod.WEBINAR, LearningMethod.OFFLINE, LearningMethod.HYBRID})


class CourseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETIRED = "retired", _("Retired")
    MERGED = "merged", _("Revision applied")


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), unique=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Trainer(models.Model):
    institution = models.ForeignKey(TrainingInstitution, on_delete=models.PROTECT, related_name="trainers")
    name = models.CharField(_("name"), max_length=150)
    profile = models.TextField(_("profile"), blank=True)

    class Meta:
        verbose_name = _("trainer")
        verbose_name_plural = _("trainers")

    def __str__(self) -> str:
        return self.name


class CourseQuerySet(models.QuerySet["Course"]):
    def on_sale(self) -> "CourseQuerySet":
        """Approved courses of approved institutions: what participants may buy.

        Institutions that are not approved are few, so they are excluded by id rather than by
        a join: the catalogue's ordered index walks then stay simple plans."""
        not_approved = list(TrainingInstitution.objects.exclude(status="approved").values_list("id", flat=True))
        courses = self.filter(listable=True)
        return courses.exclude(institution_id__in=not_approved) if not_approved else courses


class Course(models.Model):
    """A course. Editing an approved course creates a revision (another row with `revision_of`
    set) that goes through review while the approved one stays on sale; approving the revision
    copies its content onto the course."""

    institution = models.ForeignKey(TrainingInstitution, on_delete=models.PROTECT, related_name="courses")
    revision_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="revisions", verbose_name=_("revision of")
    )
    code = models.CharField(_("course code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    learning_outcomes = models.TextField(_("learning outcomes"))
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="courses")
    method = models.CharField(_("learning method"), max_length=12, choices=LearningMethod.choices)
    total_hours = models.DecimalField(_("total hours"), max_digits=5, decimal_places=1)
    # The session plan: how many sessions the institution reports attendance of (one
    # CourseSession row each, saying whether a practice task is required), and for self-paced
    # courses the least time from the start of the training to its completion.
    planned_sessions = models.PositiveSmallIntegerField(_("planned sessions"), default=0)
    min_duration_hours = models.PositiveIntegerField(
        _("minimum duration from start to completion (hours)"), null=True, blank=True
    )
    language = models.CharField(_("language"), max_length=20, default="Bahasa Indonesia")
    province = models.ForeignKey(Province, verbose_name=_("province"), on_delete=models.PROTECT, null=True, blank=True)
    regency = models.ForeignKey(
        Regency, verbose_name=_("regency or city"), on_delete=models.PROTECT, null=True, blank=True
    )
    trainers = models.ManyToManyField(Trainer, verbose_name=_("trainers"), blank=True, related_name="courses")
    price = models.BigIntegerField(_("price on Prakerja (Rp)"))
    outside_price = models.BigIntegerField(_("price outside the programme (Rp)"))
    free_elsewhere = models.BooleanField(_("offered free elsewhere"), default=False)
    is_bundle = models.BooleanField(_("bundle of courses"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=CourseStatus.choices, default=CourseStatus.DRAFT, db_index=True
    )
    decision_reasons = models.TextField(_("reasons of the last decision"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Filled by reviews (partner API issue); kept on the course so the catalogue can filter on it.
    rating_average = models.DecimalField(_("average rating"), max_digits=3, decimal_places=2, null=True, blank=True)
    rating_count = models.PositiveIntegerField(_("ratings"), default=0)
    # Kept by the database: an approved course that is not a revision.
    listable = models.GeneratedField(
        expression=models.ExpressionWrapper(
            models.Q(status="approved", revision_of__isnull=True), output_field=models.BooleanField()
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("description", weight="B", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        indexes = [
            GinIndex(fields=["search_vector"], name="course_search_idx"),
            GinIndex(fields=["title"], name="course_title_trgm_idx", opclasses=["gin_trgm_ops"]),
            # The catalogue's filters and orders, walked until a page is full.
            models.Index(
                fields=["category", "method", "price"],
                name="course_listable_filter_idx",
                condition=models.Q(listable=True),
            ),
            models.Index(
                fields=["-created_at", "-id"], name="course_listable_newest_idx", condition=models.Q(listable=True)
            ),
            models.Index(fields=["price", "id"], name="course_listable_price_idx", condition=models.Q(listable=True)),
            models.Index(
                models.OrderBy(models.F("rating_average"), descending=True, nulls_last=True),
                models.F("id"),
                name="course_listable_rating_idx",
                condition=models.Q(listable=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gt=0), name="course_price_positive"),
            models.CheckConstraint(
                condition=models.Q(price__lte=models.F("outside_price")), name="course_price_not_above_outside_price"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(free_elsewhere=False, is_bundle=False),
                name="course_approved_not_free_elsewhere_nor_bundle",
            ),
            models.UniqueConstraint(
                fields=["revision_of"],
                condition=models.Q(status__in=["draft", "submitted", "in_review"]),
                name="course_one_open_revision",
            ),
            # A course on sale has a session plan; a self-paced one also its minimum duration.
            models.CheckConstraint(
                condition=~models.Q(status="approved")
                | (
                    models.Q(planned_sessions__gte=1)
                    # NULL >= 1 is unknown, which a CHECK lets through: say "not null" too.
                    & (
                        ~models.Q(method="self_paced")
                        | models.Q(min_duration_hours__isnull=False, min_duration_hours__gte=1)
                    )
                ),
                name="course_approved_has_session_plan",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CourseSession(models.Model):
    """One planned session of a course: the institution reports its attendance (the protocol's
    commit with `sequence`) and, when required, the result of its practice task ("tugas unjuk
    keterampilan", the protocol's feedback). Completion needs every one of them."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="sessions")
    sequence = models.PositiveSmallIntegerField(_("session"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    practice_task_required = models.BooleanField(_("practice task required"), default=False)

    class Meta:
        verbose_name = _("planned session")
        verbose_name_plural = _("planned sessions")
        ordering = ("course", "sequence")
        constraints = [
            models.UniqueConstraint(fields=["course", "sequence"], name="course_session_once"),
            models.CheckConstraint(condition=models.Q(sequence__gte=1), name="course_session_sequence_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.course_id}#{self.sequence}"


class Schedule(models.Model):
    """A session of a webinar or offline course."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="schedules")
    code = models.CharField(_("schedule code"), max_length=24, unique=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    # Where an offline (or hybrid) session takes place; empty for webinars.
    location = models.CharField(_("location"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        ordering = ("starts_at",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="schedule_ends_after_start"
            ),
            models.CheckConstraint(condition=models.Q(capacity__gt=0), name="schedule_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.course} @ {self.starts_at:%Y-%m-%d %H:%M}"
