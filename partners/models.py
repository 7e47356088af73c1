from django.db import models
from django.utils.translation import gettext_lazy as _


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
    website = models.URLField(_("website"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=PartnerStatus.choices, default=PartnerStatus.PROSPECT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("digital platform")
        verbose_name_plural = _("digital platforms")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name
