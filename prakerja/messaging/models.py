from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class SandboxMessage(models.Model):
    """What the sandbox email and SMS providers "delivered". Read by /dev/inbox/ and by tests
    (which take verification links and codes from here, as a person reads their phone)."""

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # The provider-side idempotency key: sending the same reference twice delivers once.
    reference = models.CharField(_("reference"), max_length=200)
    to = models.CharField(_("to"), max_length=254, db_index=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("sandbox message")
        verbose_name_plural = _("sandbox messages")
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["channel", "reference"], name="messaging_sandbox_reference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to}: {self.subject or self.body[:40]}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    """A message to send, written in the same transaction as the change it tells of, so a
    broker outage at commit cannot lose it: the task queued after commit sends it, and the
    sweeper (messaging.outbox_sweep) re-queues what is still pending a few minutes later.
    The body is erased once sent (it may hold a code)."""

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # The provider-side idempotency key: a re-queued message is delivered once.
    reference = models.CharField(_("reference"), max_length=200)
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(_("status"), max_length=8, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    queued_at = models.DateTimeField(_("last queued at"), auto_now_add=True)
    queued_count = models.PositiveIntegerField(_("times queued"), default=1)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        constraints = [
            models.UniqueConstraint(fields=["channel", "reference"], name="messaging_outbox_reference_unique"),
        ]
        indexes = [
            models.Index(fields=["queued_at"], name="messaging_outbox_pending", condition=models.Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.reference} ({self.status})"
