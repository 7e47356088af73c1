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
