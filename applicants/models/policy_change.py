"""A change to the payout policy waits for a second finance user (four eyes): the policy's
threshold decides whether a run needs a second approver, so one person must not be able to
raise it and then start a run alone."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class PolicyChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a second finance user")
    APPROVED = "approved", _("Approved (in force)")
    REJECTED = "rejected", _("Rejected")


class PayoutPolicyChange(models.Model):
    approval_threshold = models.BigIntegerField(_("new threshold: runs above this total need a second approver (Rp)"))
    previous_threshold = models.BigIntegerField(_("threshold before"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PolicyChangeStatus.choices, default=PolicyChangeStatus.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payout policy change")
        verbose_name_plural = _("payout policy changes")
        ordering = ("-proposed_at",)
        permissions = [("approve_payoutpolicychange", "Can approve or reject another user's payout policy change")]
        constraints = [
            models.CheckConstraint(condition=Q(approval_threshold__gte=0), name="policy_change_threshold_not_negative"),
            # The second person is another person.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
                name="policy_change_decided_by_another_user",
            ),
            models.UniqueConstraint(fields=["status"], condition=Q(status="pending"), name="policy_change_one_pending"),
        ]

    def __str__(self) -> str:
        return f"Rp {self.approval_threshold:,}".replace(",", ".")
