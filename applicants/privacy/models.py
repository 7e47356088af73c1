"""The privacy notice's versions, each applicant's acceptances, and the separate, withdrawable
consents (UU 27/2022: consent is recorded per purpose, with its version, time and channel)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PrivacyNotice(models.Model):
    """One published version of the privacy notice; the newest published one is in force."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        ordering = ("-version",)
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")

    def __str__(self) -> str:
        return f"v{self.version}: {self.title}"


class ConsentChannel(models.TextChoices):
    WEB = "web", _("Web")
    # Withdrawn by the portal on the person's behalf (a granted restriction of processing).
    STAFF = "staff", _("By the programme office")
    # Given in person to a regional officer (assisted registration; the signed form's number is kept).
    ASSISTED = "assisted", _("In person, with a regional officer")


class NoticeAcceptance(models.Model):
    """An applicant accepted a notice version: when, and through which channel."""

    applicant = models.ForeignKey("applicants.Applicant", on_delete=models.CASCADE, related_name="notice_acceptances")
    notice = models.ForeignKey(PrivacyNotice, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(_("accepted at"))
    channel = models.CharField(_("channel"), max_length=16, choices=ConsentChannel.choices, default=ConsentChannel.WEB)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("applicant", "notice"), name="applicants_acceptance_once")]

    def __str__(self) -> str:
        return f"{self.applicant_id} v{self.notice_id} {self.accepted_at:%Y-%m-%d}"


class ConsentPurpose(models.TextChoices):
    PLATFORM_MARKETING = "platform_marketing", _("Share my contact data with training platforms for their offers")
    PROGRAMME_NEWS = "programme_news", _("Receive news and surveys of the programme by email or SMS")


class Consent(models.Model):
    """A purpose that needs its own consent: the applicant's current choice (changes are audited)."""

    applicant = models.ForeignKey("applicants.Applicant", on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=32, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"), default=False)
    changed_at = models.DateTimeField(_("changed at"))
    channel = models.CharField(_("channel"), max_length=16, choices=ConsentChannel.choices, default=ConsentChannel.WEB)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("applicant", "purpose"), name="applicants_consent_per_purpose")]

    def __str__(self) -> str:
        return f"{self.applicant_id} {self.purpose}={self.granted}"
