"""The sandbox provider's own books, kept apart from ours: what it was asked and what it really
sent, per idempotency key, so tests and benchmarks can count the money that left."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from prakerja.payments.providers import PayoutChannel


class SandboxAccount(models.Model):
    """The sandbox's directory for account inquiries (a real provider asks the bank)."""

    channel = models.CharField(_("channel"), max_length=12, choices=PayoutChannel.choices)
    number = models.CharField(_("account number"), max_length=34)
    holder_name = models.CharField(_("holder's name"), max_length=150)

    class Meta:
        verbose_name = _("sandbox account")
        verbose_name_plural = _("sandbox accounts")
        constraints = [models.UniqueConstraint(fields=["channel", "number"], name="payments_sandbox_account_unique")]

    def __str__(self) -> str:
        return f"{self.channel} {self.number}"


class SandboxTransferStatus(models.TextChoices):
    SUCCESS = "success", _("Sent")
    FAILED = "failed", _("Refused")
    REVERSED = "reversed", _("Sent, then returned")


class SandboxTransfer(models.Model):
    reference = models.CharField(_("partner reference"), max_length=64)
    channel = models.CharField(_("channel"), max_length=12)
    account_number = models.CharField(_("account number"), max_length=34)
    amount = models.BigIntegerField(_("amount (Rp)"))
    status = models.CharField(_("status"), max_length=8, choices=SandboxTransferStatus.choices)
    code = models.CharField(_("response code"), max_length=7)
    created_at = models.DateTimeField(_("received at"))
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sandbox transfer")
        verbose_name_plural = _("sandbox transfers")
        constraints = [models.UniqueConstraint(fields=["reference"], name="payments_sandbox_transfer_reference_unique")]
        indexes = [models.Index(fields=["created_at"], name="payments_sandbox_transfer_day")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.status}"


class SandboxCallback(models.Model):
    """A notification the sandbox will send: late, sometimes twice, sometimes a reversal."""

    reference = models.CharField(_("partner reference"), max_length=64, db_index=True)
    status = models.CharField(_("status"), max_length=8, choices=SandboxTransferStatus.choices)
    due_at = models.DateTimeField(_("due at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("sandbox callback")
        verbose_name_plural = _("sandbox callbacks")
        indexes = [
            models.Index(fields=["due_at"], name="payments_sandbox_cb_due", condition=models.Q(delivered_at=None))
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.status}"
