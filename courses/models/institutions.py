from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    SUSPENDED = "suspended", _("Suspended")


host_name_validator = RegexValidator(
    r"\A(?=.{1,253}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\Z",
    _("Enter a host name in lower case, such as lms.example.id (no https://, no path)."),
)


class TrainingInstitution(models.Model):
    """A training institution ("lembaga pelatihan") that creates and delivers courses."""

    legal_name = models.CharField(_("legal name"), max_length=200)
    brand = models.CharField(_("brand"), max_length=120)
    business_number = models.CharField(_("business registration number (NIB)"), max_length=20, unique=True)
    licence_number = models.CharField(_("training licence number"), max_length=50, blank=True)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=16, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InstitutionStatus.choices, default=InstitutionStatus.APPLIED
    )
    # Issued by the PMO; identifies the institution in the integration protocol.
    client_code = models.CharField(_("client code"), max_length=40, unique=True)
    # Where the participant may be sent back after confirming attendance (the redirect carries
    # the redeem code): exact host names of the institution's own sites, https only.
    attendance_redirect_hosts = ArrayField(
        models.CharField(max_length=253, validators=[host_name_validator]),
        verbose_name=_("attendance return hosts"),
        default=list,
        blank=True,
        help_text=_("Host names of the institution's learning sites, e.g. lms.example.id (https only)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Moved on every revocation: the integration views' per-process key cache compares it, so a
    # revoked key stops verifying at the next request instead of within the cache's minute.
    signing_keys_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("training institution")
        verbose_name_plural = _("training institutions")
        ordering = ("brand",)

    def __str__(self) -> str:
        return self.brand


class InstitutionSigningKey(models.Model):
    """A secret sign key of the integration protocol. Stored encrypted (the server must compute
    the same HMAC, so it cannot keep only a hash); shown once at creation. Rotation: a new key is
    issued and the old one keeps working until `expires_at`."""

    institution = models.ForeignKey(TrainingInstitution, on_delete=models.PROTECT, related_name="signing_keys")
    key_encrypted = models.BinaryField()
    key_hint = models.CharField(_("key ends with"), max_length=4)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ("-created_at",)
        # Held instead of the model permissions, which no group holds (a credential model).
        permissions = [("issue_institutionsigningkey", "Can issue and revoke institution signing keys")]

    def __str__(self) -> str:
        return f"…{self.key_hint}"
