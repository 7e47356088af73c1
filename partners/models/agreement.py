"""A platform's cooperation agreement with the PMO, and the history of its status."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models.platform import Partner, PartnerStatus

# The standard terms every platform accepts as they stand (the open-door policy).
STANDARD_TERMS_VERSION = "2020.1"


class Agreement(models.Model):
    partner = models.ForeignKey(
        Partner, verbose_name=_("digital platform"), on_delete=models.PROTECT, related_name="agreements"
    )
    number = models.CharField(_("agreement number"), max_length=80, unique=True)
    signed_on = models.DateField(_("signed on"))
    starts_on = models.DateField(_("in force from"))
    ends_on = models.DateField(_("in force until"))
    # Basis points of the course price; the programme caps the commission at 15%.
    commission_cap_bp = models.PositiveSmallIntegerField(_("commission cap (basis points)"), default=1500)
    terms_version = models.CharField(
        _("standard terms accepted (version)"), max_length=20, default=STANDARD_TERMS_VERSION
    )
    document = models.FileField(_("signed document"), upload_to="agreements/", blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ("-signed_on",)
        constraints = [
            models.CheckConstraint(condition=models.Q(commission_cap_bp__lte=1500), name="agreement_commission_cap_15"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")), name="agreement_term_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class StatusChange(models.Model):
    """One step of a platform's lifecycle: from, to, why, when, by whom."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("digital platform"), on_delete=models.PROTECT, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=PartnerStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=PartnerStatus.choices)
    reason = models.TextField(_("reason"))
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("changed by (label)"), max_length=200)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ("-changed_at", "-pk")

    def __str__(self) -> str:
        return f"{self.partner}: {self.from_status} -> {self.to_status}"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for review")
    APPROVED = "approved", _("Approved (platform in onboarding)")
    REJECTED = "rejected", _("Rejected")


class PlatformApplication(models.Model):
    """A platform asking to join through the open door: the entry criteria are checked when it
    is submitted and shown to the reviewer."""

    company_name = models.CharField(_("company name (PT)"), max_length=200)
    platform_name = models.CharField(_("platform name"), max_length=120)
    website = models.URLField(_("website"))
    business_id_number = models.CharField(_("business identification number (NIB)"), max_length=13)
    tax_number = models.CharField(_("tax number (NPWP)"), max_length=16)
    contact_name = models.CharField(_("contact person"), max_length=150)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    provinces = models.ManyToManyField(
        "applicants.Province", verbose_name=_("provinces served"), related_name="+", blank=True
    )
    can_integrate_payment = models.BooleanField(_("can integrate Prakerja as a payment method"))
    terms_version = models.CharField(_("standard terms accepted (version)"), max_length=20)
    criteria = models.JSONField(_("entry criteria check"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, null=True, blank=True
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    partner = models.OneToOneField(
        Partner, verbose_name=_("platform"), on_delete=models.PROTECT, null=True, blank=True, related_name="application"
    )

    class Meta:
        verbose_name = _("platform application")
        verbose_name_plural = _("platform applications")
        ordering = ("-submitted_at",)

    def __str__(self) -> str:
        return f"{self.platform_name} ({self.company_name})"

    @property
    def meets_criteria(self) -> bool:
        return bool(self.criteria) and all(item["ok"] for item in self.criteria.values())
