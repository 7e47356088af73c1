"""Performance evaluation of the platforms: KPIs per period, a versioned scorecard that turns
them into a score and a recommendation, and the partner manager's decision on it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models.platform import Partner


class Kpi(models.TextChoices):
    """What the evaluation measures; each is a column of `EvaluationResult`."""

    PURCHASES = "purchases_paid", _("Purchases")
    VALUE = "value", _("Purchase value (Rp)")
    MARKET_SHARE = "market_share", _("Market share")
    COMPLETION_RATE = "completion_rate", _("Completion rate")
    MEDIAN_COMPLETION_HOURS = "median_completion_hours", _("Median hours from training start to completion")
    AVERAGE_RATING = "average_rating", _("Average rating")
    COMPLAINTS_PER_1000 = "complaints_per_1000", _("Complaints per 1,000 purchases")
    CANCELLATION_RATE = "cancellation_rate", _("Cancellation and refund rate")
    API_ERROR_RATE = "api_error_rate", _("API error rate")
    WEBHOOK_SUCCESS_RATE = "webhook_success_rate", _("Webhook delivery success")
    COMMISSION_OVER_CAP = "commission_over_cap", _("Purchases with commission above the cap")
    LISTINGS_OVER_PRICE = "listings_over_price", _("Listings priced above the course price")
    AFFILIATED_SALES_SHARE = "affiliated_sales_share", _("Share of sales from affiliated institutions")


# Shown as percentages (stored as fractions).
FRACTION_KPIS = frozenset(
    {
        Kpi.MARKET_SHARE,
        Kpi.COMPLETION_RATE,
        Kpi.CANCELLATION_RATE,
        Kpi.API_ERROR_RATE,
        Kpi.WEBHOOK_SUCCESS_RATE,
        Kpi.AFFILIATED_SALES_SHARE,
    }
)


class Recommendation(models.TextChoices):
    CONTINUE = "continue", _("Continue")
    WARNING = "warning", _("Warning")
    SUSPEND = "suspend", _("Suspend")
    TERMINATE = "terminate", _("Terminate")


class Scorecard(models.Model):
    """Weights and thresholds, edited by the PMO while a draft; frozen once in use. A change to
    a scorecard in use is a new version, so every result keeps the rules it was scored by."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    # Score (0-100) at or above which the recommendation is continue / warning / suspend;
    # below the last, terminate.
    continue_from = models.PositiveSmallIntegerField(_("continue from score"), default=70)
    warning_from = models.PositiveSmallIntegerField(_("warning from score"), default=50)
    suspend_from = models.PositiveSmallIntegerField(_("suspend from score"), default=30)
    activated_at = models.DateTimeField(_("in use since"), null=True, blank=True, editable=False)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("put in use by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ("-version",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(continue_from__lte=100)
                & models.Q(continue_from__gte=models.F("warning_from"))
                & models.Q(warning_from__gte=models.F("suspend_from")),
                name="scorecard_bands_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version}"

    @property
    def is_draft(self) -> bool:
        return self.activated_at is None


class ScorecardRule(models.Model):
    """One KPI's weight and its two thresholds: at `target` or better it earns 100 points, at
    `limit` or worse 0, linearly in between. Whether higher is better follows from the order of
    the two. A critical KPI at its limit caps the recommendation at "warning"."""

    scorecard = models.ForeignKey(
        Scorecard, verbose_name=_("scorecard"), on_delete=models.CASCADE, related_name="rules"
    )
    kpi = models.CharField(_("KPI"), max_length=40, choices=Kpi.choices)
    weight = models.PositiveSmallIntegerField(_("weight"))
    target = models.FloatField(_("full marks at"))
    limit = models.FloatField(_("no marks at"))
    critical = models.BooleanField(_("critical"), default=False)

    class Meta:
        verbose_name = _("scorecard rule")
        verbose_name_plural = _("scorecard rules")
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "kpi"], name="scorecard_rule_once"),
            models.CheckConstraint(condition=~models.Q(target=models.F("limit")), name="scorecard_rule_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kpi_display()} x{self.weight}"


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (may be recomputed)")
    PUBLISHED = "published", _("Published (final)")


class Evaluation(models.Model):
    """One period (a calendar month) evaluated for every platform."""

    period = models.DateField(_("period (first day of the month)"), unique=True)
    scorecard = models.ForeignKey(Scorecard, verbose_name=_("scorecard"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT
    )
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.CharField(_("computed by"), max_length=200)
    compute_ms = models.PositiveIntegerField(_("computation time (ms)"), default=0)
    total_value = models.BigIntegerField(_("value of all platforms (Rp)"), default=0)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("platform evaluation")
        verbose_name_plural = _("platform evaluations")
        ordering = ("-period",)
        permissions = [("publish_evaluation", "Can publish platform evaluations")]

    def __str__(self) -> str:
        return self.period.strftime("%Y-%m")


class EvaluationResult(models.Model):
    """One platform's KPIs, score and recommendation for a period. Rates are fractions (0-1);
    a KPI without data (no reviews, no webhooks) is NULL and not scored."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="results"
    )
    partner = models.ForeignKey(Partner, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="+")
    purchases_created = models.PositiveIntegerField(_("purchases started"))
    purchases_paid = models.PositiveIntegerField(_("purchases"))
    value = models.BigIntegerField(_("purchase value (Rp)"))
    market_share = models.FloatField(_("market share"))
    completed = models.PositiveIntegerField(_("completed"))
    completion_rate = models.FloatField(_("completion rate"), null=True)
    median_completion_hours = models.FloatField(_("median hours to completion"), null=True)
    reviews = models.PositiveIntegerField(_("reviews"))
    average_rating = models.FloatField(_("average rating"), null=True)
    complaints = models.PositiveIntegerField(_("complaints"))
    complaints_per_1000 = models.FloatField(_("complaints per 1,000 purchases"), null=True)
    cancelled = models.PositiveIntegerField(_("cancelled before payment"))
    refunded = models.PositiveIntegerField(_("refunded"))
    cancellation_rate = models.FloatField(_("cancellation and refund rate"), null=True)
    api_requests = models.PositiveIntegerField(_("API requests"))
    api_errors = models.PositiveIntegerField(_("API errors"))
    api_error_rate = models.FloatField(_("API error rate"), null=True)
    webhooks_settled = models.PositiveIntegerField(_("webhooks settled"))
    webhooks_delivered = models.PositiveIntegerField(_("webhooks delivered"))
    webhook_success_rate = models.FloatField(_("webhook delivery success"), null=True)
    commission_over_cap = models.PositiveIntegerField(_("commission above the cap"))
    listings_over_price = models.PositiveIntegerField(_("listings above the course price"))
    # Value of the cohort's sales of courses by institutions affiliated with the platform.
    affiliated_value = models.BigIntegerField(_("value from affiliated institutions (Rp)"), default=0, db_default=0)
    affiliated_sales_share = models.FloatField(_("share of sales from affiliated institutions"), null=True)
    points = models.JSONField(_("points per KPI"), default=dict)
    score = models.FloatField(_("score"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    recommendation = models.CharField(_("recommendation"), max_length=10, choices=Recommendation.choices)

    class Meta:
        verbose_name = _("evaluation result")
        verbose_name_plural = _("evaluation results")
        ordering = ("rank",)
        constraints = [models.UniqueConstraint(fields=["evaluation", "partner"], name="evaluation_result_once")]

    def __str__(self) -> str:
        return f"{self.evaluation}: {self.partner}"


class EvaluationDecision(models.Model):
    """What a partner manager decided on a published result, and why. It may differ from the
    recommendation; suspend and terminate (and continue for a suspended platform) run the
    lifecycle service."""

    result = models.OneToOneField(
        EvaluationResult, verbose_name=_("result"), on_delete=models.PROTECT, related_name="decision"
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Recommendation.choices)
    reason = models.TextField(_("reason"))
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    status_change = models.ForeignKey(
        "partners.StatusChange",
        verbose_name=_("status change"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evaluation decision")
        verbose_name_plural = _("evaluation decisions")

    def __str__(self) -> str:
        return f"{self.result}: {self.decision}"


# The first scorecard (version 1), put in use by a migration; later versions are the PMO's.
# (kpi, weight, full marks at, no marks at, critical)
DEFAULT_RULES: list[tuple[str, int, float, float, bool]] = [
    (Kpi.COMPLETION_RATE, 20, 0.9, 0.5, False),
    (Kpi.AVERAGE_RATING, 20, 4.5, 3.0, False),
    (Kpi.COMPLAINTS_PER_1000, 15, 1.0, 10.0, True),
    (Kpi.MEDIAN_COMPLETION_HOURS, 10, 48.0, 336.0, False),
    (Kpi.CANCELLATION_RATE, 10, 0.02, 0.15, False),
    (Kpi.API_ERROR_RATE, 10, 0.01, 0.10, False),
    (Kpi.WEBHOOK_SUCCESS_RATE, 10, 0.99, 0.90, False),
    (Kpi.COMMISSION_OVER_CAP, 5, 0.0, 1.0, True),
    (Kpi.LISTINGS_OVER_PRICE, 5, 0.0, 5.0, False),
]
