"""Schemes, waves and their members, selection decisions, cards, blacklistings and the registries
selection reads."""

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applicants.registration.models import Applicant, Province


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
    # A row of the wage registry (the social-security agency's list) counts against a person only
    # above this monthly wage; empty: the wage registry excludes nobody under this scheme.
    wage_threshold = models.BigIntegerField(
        _("monthly wage above which a person is excluded (Rp)"),
        null=True,
        blank=True,
        default=3_500_000,
        help_text=_("Rows of the wage-earners registry count only above this amount a month; empty: never."),
    )
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
            models.CheckConstraint(
                condition=models.Q(wage_threshold__isnull=True) | models.Q(wage_threshold__gte=0),
                name="scheme_wage_threshold_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SchemeDeadline(models.Model):
    """The last days of one programme year under a scheme, in Jakarta dates, each included:
    to buy a course, to complete the training, to review it, to use the balance. A card is
    held to the row of its scheme and the year it was issued; the services refuse after them
    (applicants.waves.services.deadlines) and the balance sweep returns what is left after the
    last day of use."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="deadlines")
    year = models.PositiveSmallIntegerField(_("programme year"))
    last_purchase_on = models.DateField(_("last day to buy a course"))
    last_completion_on = models.DateField(_("last day to complete the training"))
    last_review_on = models.DateField(_("last day to review"))
    balance_until = models.DateField(_("last day to use the balance"))

    class Meta:
        verbose_name = _("scheme deadline")
        verbose_name_plural = _("scheme deadlines")
        ordering = ("-year", "scheme")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "year"], name="scheme_deadline_once_a_year"),
            models.CheckConstraint(
                condition=models.Q(last_purchase_on__lte=models.F("last_completion_on"))
                & models.Q(last_completion_on__lte=models.F("last_review_on"))
                & models.Q(last_purchase_on__lte=models.F("balance_until")),
                name="scheme_deadline_order",
                violation_error_message=_(
                    "The last day to buy must come before the last day to complete, which must come before "
                    "the last day to review; the balance must be usable until the last day to buy."
                ),
            ),
            models.CheckConstraint(condition=models.Q(year__gte=2020), name="scheme_deadline_year_plausible"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} {self.year}"


class WaveStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (scheduled)")
    OPEN = "open", _("Open for joining")
    CLOSED = "closed", _("Closed, waiting for selection")
    SELECTING = "selecting", _("Selection running")
    ANNOUNCED = "announced", _("Announced")


# A member of a wave in one of these states may not join another wave.
UNFINISHED_WAVE_STATUSES = (WaveStatus.DRAFT, WaveStatus.OPEN, WaveStatus.CLOSED, WaveStatus.SELECTING)


class Wave(models.Model):
    """A "gelombang": a window for joining, a quota, and one selection."""

    number = models.PositiveIntegerField(_("wave number"), unique=True)
    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="waves")
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    national_quota = models.PositiveIntegerField(_("national quota"))
    status = models.CharField(
        _("status"), max_length=10, choices=WaveStatus.choices, default=WaveStatus.DRAFT, db_index=True
    )

    # Selection: fixed when it starts, so that a re-run after a crash decides the same way.
    seed = models.BigIntegerField(_("lottery seed"), null=True, blank=True, editable=False)
    selection_stage = models.CharField(_("selection stage"), max_length=20, blank=True, editable=False)
    selection_progress = models.JSONField(_("selection progress"), default=dict, blank=True, editable=False)
    selection_started_at = models.DateTimeField(_("selection started at"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True, editable=False)
    registry_versions = models.JSONField(_("registry imports used"), default=list, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("wave")
        verbose_name_plural = _("waves")
        ordering = ("-number",)
        permissions = [("run_selection", _("Can run a wave's selection"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="wave_closes_after_opening"
            ),
            models.CheckConstraint(condition=models.Q(national_quota__gt=0), name="wave_quota_positive"),
        ]

    def __str__(self) -> str:
        return str(_("Wave %(number)s") % {"number": self.number})


class WaveProvinceQuota(models.Model):
    wave = models.ForeignKey(Wave, verbose_name=_("wave"), on_delete=models.CASCADE, related_name="province_quotas")
    province = models.ForeignKey(Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+")
    quota = models.PositiveIntegerField(_("quota"))

    class Meta:
        verbose_name = _("province quota")
        verbose_name_plural = _("province quotas")
        ordering = ("province__code",)
        constraints = [models.UniqueConstraint(fields=["wave", "province"], name="wave_province_quota_unique")]

    def __str__(self) -> str:
        return f"{self.province}: {self.quota}"


class WaveMember(models.Model):
    """An applicant who joined a wave for a province of domicile and accepted the statements."""

    wave = models.ForeignKey(Wave, verbose_name=_("wave"), on_delete=models.PROTECT, related_name="members")
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="wave_memberships"
    )
    province = models.ForeignKey(
        Province, verbose_name=_("province of domicile"), on_delete=models.PROTECT, related_name="+"
    )
    statements_accepted_at = models.DateTimeField(_("statements accepted at"))
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("wave member")
        verbose_name_plural = _("wave members")
        constraints = [models.UniqueConstraint(fields=["wave", "applicant"], name="wave_member_once")]
        indexes = [models.Index(fields=["applicant", "wave"], name="wave_member_applicant_idx")]

    def __str__(self) -> str:
        return f"{self.wave}: {self.applicant_id}"


class Outcome(models.TextChoices):
    SELECTED = "selected", _("Selected")
    NOT_SELECTED = "not_selected", _("Not selected")
    INELIGIBLE = "ineligible", _("Not eligible")
    # Left undecided by the selection while a verifier reviews a suspected duplicate; settled
    # once when the review ends (applicants.waves.services.pending).
    PENDING = "pending", _("Under review")


class Reason(models.TextChoices):
    """Why a member was decided as they were. All that apply are recorded."""

    AGE = "age", _("Your age is outside the range this wave's scheme allows.")
    IDENTITY_REVIEW = "identity_review", _("Your identity data has not been cleared by a verifier.")
    IDENTITY_UNVERIFIED = (
        "identity_unverified",
        _("Your identity has not been verified against the civil registry with a selfie."),
    )
    CIVIL_SERVANT = "civil_servant", _("You are registered as a civil servant, soldier or police officer.")
    STATE_OFFICIAL = "state_official", _("You are registered as a state official or member of parliament.")
    VILLAGE_OFFICIAL = "village_official", _("You are registered as a village head or village official.")
    SOE_DIRECTOR = "soe_director", _("You are registered as a director or commissioner of a state company.")
    STUDENT = "student", _("You are registered as a student in formal education.")
    SOCIAL_AID = "social_aid", _("You already receive other social aid, which this scheme excludes.")
    WAGE_EARNER = "wage_earner", _("You are registered as earning more than this scheme's monthly wage limit.")
    DECEASED = "deceased", _("The civil registry records this NIK as belonging to a person who has died.")
    BLACKLISTED = "blacklisted", _("You may no longer take part in the programme.")
    BLOCKED = "blocked", _("Your participation is blocked; you may appeal from your dashboard.")
    PRIOR_RECIPIENT = "prior_recipient", _("You already received a Kartu Prakerja; it is given once per lifetime.")
    FAMILY_CARD_LIMIT = "family_card_limit", _("The number of recipients allowed per family card (KK) is reached.")
    PRIORITY = "priority", _("You were on a priority list and were considered first.")
    PROVINCE_QUOTA = "province_quota", _("The places for your province were all taken by applicants drawn before you.")
    NATIONAL_QUOTA = "national_quota", _("The national places were all taken by applicants drawn before you.")
    DUPLICATE_REVIEW = (
        "duplicate_review",
        _("Your data resemble another account's; a verifier is checking them before your result is decided."),
    )


# Reasons that make a member ineligible (the others explain a selection or a lottery result).
INELIGIBILITY_REASONS = frozenset(
    {
        Reason.AGE,
        Reason.IDENTITY_REVIEW,
        Reason.IDENTITY_UNVERIFIED,
        Reason.CIVIL_SERVANT,
        Reason.STATE_OFFICIAL,
        Reason.VILLAGE_OFFICIAL,
        Reason.SOE_DIRECTOR,
        Reason.STUDENT,
        Reason.SOCIAL_AID,
        Reason.WAGE_EARNER,
        Reason.DECEASED,
        Reason.BLACKLISTED,
        Reason.BLOCKED,
        Reason.PRIOR_RECIPIENT,
        Reason.FAMILY_CARD_LIMIT,
    }
)


class Decision(models.Model):
    """The selection's result for one member: written once, never changed, except that a
    `pending` one (a suspected duplicate under review) is settled once when the review ends."""

    # No database-level foreign keys here or on Card's references to decisions, waves and
    # schemes: a wave writes a million decisions in one statement, and per-row reference checks
    # would cost more than the selection itself. The references are right by construction (the
    # statement reads them from the rows it points at) and members, waves, schemes and
    # decisions are never deleted (PROTECT, and no service deletes them).
    member = models.OneToOneField(
        WaveMember,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="decision",
        primary_key=True,
        db_constraint=False,
    )
    wave = models.ForeignKey(
        Wave,
        verbose_name=_("wave"),
        on_delete=models.PROTECT,
        related_name="decisions",
        db_index=False,
        db_constraint=False,
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    reasons = ArrayField(
        models.CharField(max_length=20, choices=Reason.choices), verbose_name=_("reasons"), default=list
    )
    # Place in the lottery among the eligible members of the province and of the nation
    # (priority lists first); empty for the ineligible.
    province_rank = models.PositiveIntegerField(_("rank in the province"), null=True)
    national_rank = models.PositiveIntegerField(_("rank in the nation"), null=True)
    scheme = models.ForeignKey(
        Scheme,
        verbose_name=_("scheme"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    scheme_version = models.PositiveIntegerField(_("scheme version"))
    rules_version = models.CharField(_("selection rules version"), max_length=20)
    seed = models.BigIntegerField(_("lottery seed"))
    decided_at = models.DateTimeField(_("decided at"))
    notified_at = models.DateTimeField(_("announcement sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("selection decision")
        verbose_name_plural = _("selection decisions")
        indexes = [
            models.Index(fields=["wave", "outcome"], name="decision_wave_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.outcome}"


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked (no course bought in time)")
    CLOSED = "closed", _("Closed (programme year ended)")
    # A clawback case or a block: no spending until the case is closed or the block lifted.
    SUSPENDED = "suspended", _("Suspended (clawback case or block)")


class Card(models.Model):
    """A Kartu Prakerja: once per lifetime per person, funded with the scheme's training balance."""

    # Unique through a constraint, not unique=True, which would add a second (LIKE) index.
    number = models.CharField(_("card number"), max_length=16)
    applicant = models.OneToOneField(
        Applicant, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="card"
    )
    decision = models.OneToOneField(
        Decision, verbose_name=_("decision"), on_delete=models.PROTECT, related_name="card", db_constraint=False
    )
    wave = models.ForeignKey(
        Wave, verbose_name=_("wave"), on_delete=models.PROTECT, related_name="cards", db_constraint=False
    )
    scheme = models.ForeignKey(
        Scheme,
        verbose_name=_("scheme"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    account_id = models.BigIntegerField(_("training balance account"), unique=True)
    status = models.CharField(_("status"), max_length=12, choices=CardStatus.choices, default=CardStatus.ACTIVE)
    issued_at = models.DateTimeField(_("issued at"))
    purchase_deadline = models.DateTimeField(_("first purchase due before"))
    first_purchase_at = models.DateTimeField(_("first course bought at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        indexes = [
            models.Index(
                fields=["purchase_deadline"],
                name="card_awaiting_purchase_idx",
                condition=models.Q(status="active", first_purchase_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="card_number_unique"),
            models.CheckConstraint(condition=models.Q(number__regex=r"^[0-9]{16}$"), name="card_number_16_digits"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def purchase_last_minute(self) -> dt.datetime:
        """The deadline as people say it: the last minute of the last day."""
        return self.purchase_deadline - dt.timedelta(minutes=1)


class Blacklisting(models.Model):
    """A person barred from the programme by the programme itself (a revoked card); imported
    blacklists from other agencies live in the registries."""

    nik_index = models.CharField(_("NIK blind index"), max_length=64, unique=True)
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("applicant"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(_("blacklisted at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("blacklisting")
        verbose_name_plural = _("blacklistings")

    def __str__(self) -> str:
        return self.reason


class RegistryKind(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", _("Civil servants, military (TNI) and police (Polri)")
    STATE_OFFICIAL = "state_official", _("State officials and members of parliament")
    VILLAGE_OFFICIAL = "village_official", _("Village heads and village officials")
    SOE_DIRECTOR = "soe_director", _("Directors and commissioners of state companies")
    STUDENT = "student", _("Students in formal education")
    SOCIAL_AID = "social_aid", _("Recipients of other social aid")
    WAGE_EARNER = "wage_earner", _("Wage earners (monthly wage per row, e.g. from BPJS Ketenagakerjaan)")
    DECEASED = "deceased", _("Deceased persons (civil registry)")
    BLACKLIST = "blacklist", _("Blacklist")
    PRIOR_RECIPIENT = "prior_recipient", _("Prior Kartu Prakerja recipients")
    PRIORITY = "priority", _("Priority list (e.g. laid-off workers nominated by a ministry)")


# Lists that stop a person's money as well as their selection: checked again before every payout
# run (the priority list only orders the lottery).
EXCLUDING_REGISTRY_KINDS = frozenset(kind for kind in RegistryKind if kind != RegistryKind.PRIORITY)


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RegistryImport(models.Model):
    """One version of one list from one source (e.g. students from Dapodik). A finished import
    replaces the previous version of the same list; the older entries stay for the record."""

    kind = models.CharField(_("list"), max_length=20, choices=RegistryKind.choices)
    source = models.CharField(
        _("source"), max_length=100, help_text=_("The agency or database, e.g. BKN, Dapodik, PDDikti, EMIS, DTKS.")
    )
    version = models.PositiveIntegerField(_("version"), editable=False)
    # The uploaded file lives only until it is imported: it holds NIKs in the clear.
    file = models.FileField(_("CSV file"), upload_to="private/registries/", blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    is_current = models.BooleanField(_("in use"), default=False, editable=False)
    rows_total = models.PositiveIntegerField(_("rows read"), default=0)
    rows_accepted = models.PositiveIntegerField(_("rows accepted"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    # [{"line": 12, "reason": "..."}], the first few thousand; never the NIK itself.
    rejections = models.JSONField(_("rejected rows"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=["kind", "source", "version"], name="registry_import_version_unique"),
            models.UniqueConstraint(
                fields=["kind", "source"], condition=models.Q(is_current=True), name="registry_import_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.source} v{self.version}"


class RegistryEntry(models.Model):
    """One NIK (as its blind index) on one imported list."""

    pk = models.CompositePrimaryKey("nik_index", "registry_import_id")
    registry_import = models.ForeignKey(
        RegistryImport, on_delete=models.PROTECT, related_name="entries", db_constraint=False, db_index=False
    )
    nik_index = models.CharField(max_length=64)
    # The monthly wage in rupiah on the wage-earners list; empty on every other list.
    amount = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("registry entry")
        verbose_name_plural = _("registry entries")

    def __str__(self) -> str:
        return f"{self.registry_import_id}:{self.nik_index[:8]}"
