from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.models import Course, TrainingInstitution


class PartnerStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    INVITED = "invited", _("Invited")
    IN_DISCUSSION = "in_discussion", _("In discussion")
    DECLINED = "declined", _("Declined")
    AGREEMENT_SIGNED = "agreement_signed", _("Agreement signed")
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Partner(models.Model):
    """A digital platform that sells Prakerja courses against the card balance."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    legal_name = models.CharField(_("legal name (PT)"), max_length=200, blank=True)
    # The PT's own NIB: an institution that records it as an owner is owned by the platform.
    business_number = models.CharField(
        _("business identification number (NIB)"),
        max_length=13,
        blank=True,
        default="",
        db_default="",
        validators=[RegexValidator(r"\A\d{13}\Z", _("A NIB has 13 digits."))],
    )
    website = models.URLField(_("website"), blank=True)
    # Where the PMO writes to the platform (status changes, evaluations).
    contact_email = models.EmailField(_("contact email"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=PartnerStatus.choices, default=PartnerStatus.PROSPECT)
    # Institutions whose courses the platform may submit for curation through the API.
    institutions = models.ManyToManyField(
        TrainingInstitution, verbose_name=_("training institutions"), blank=True, related_name="platforms"
    )
    # The platform's fee on each sale, in basis points of the price (the agreement caps it at 15%).
    commission_rate_bp = models.PositiveSmallIntegerField(_("commission (basis points)"), default=1000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("digital platform")
        verbose_name_plural = _("digital platforms")
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(condition=models.Q(commission_rate_bp__lte=1500), name="partner_commission_capped"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def may_do_new_business(self) -> bool:
        return self.status == PartnerStatus.ACTIVE


class Listing(models.Model):
    """An approved course sold on one digital platform. It lives here, not in courses/, because
    it joins a course to a platform and dependencies point partners -> courses."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="listings")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="listings")
    sku = models.CharField(_("platform SKU"), max_length=64)
    price = models.BigIntegerField(_("price on the platform (Rp)"))
    is_active = models.BooleanField(_("active"), default=True)
    # Listed together with a new course the platform submitted: inactive until curators approve.
    awaiting_approval = models.BooleanField(_("waiting for the course's approval"), default=False)
    url = models.URLField(_("page on the platform"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Conflict of interest (partners.conflicts): the course's institution and the platform share
    # an owner or one owns the other. Kept by `listings_affiliation_refresh`, set-based.
    affiliated = models.BooleanField(_("affiliated institution"), default=False, db_default=False, editable=False)
    # Taken off sale (or kept off) by the affiliation until a curator approves the disclosure.
    withheld_for_disclosure = models.BooleanField(
        _("waiting for a disclosure"), default=False, db_default=False, editable=False
    )
    disclosure = models.TextField(_("disclosure (Indonesian)"), blank=True, default="", db_default="", editable=False)
    disclosure_en = models.TextField(_("disclosure (English)"), blank=True, default="", db_default="", editable=False)
    disclosed_at = models.DateTimeField(_("disclosure approved at"), null=True, blank=True, editable=False)
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("disclosure approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        permissions = [("disclose_listing", "Can approve an affiliated listing with its disclosure")]
        constraints = [
            models.UniqueConstraint(fields=["partner", "sku"], name="listing_partner_sku_unique"),
            models.UniqueConstraint(fields=["partner", "course"], name="listing_partner_course_unique"),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="listing_price_positive"),
            # An affiliated listing is on sale only with a curator's approved disclosure.
            models.CheckConstraint(
                condition=~(models.Q(affiliated=True) & models.Q(is_active=True) & models.Q(disclosed_at__isnull=True)),
                name="listing_affiliated_disclosed",
            ),
            models.CheckConstraint(
                condition=models.Q(disclosed_at__isnull=True) | ~models.Q(disclosure=""),
                name="listing_disclosure_text",
            ),
        ]
        indexes = [
            # "Is this course sold anywhere?" for every catalogue row.
            models.Index(
                fields=["course", "partner"], name="listing_active_course_idx", condition=models.Q(is_active=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} on {self.partner}"
