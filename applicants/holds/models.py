"""Holds on a participant's money: while one is open, no payout is made for the participant and
the card (for kinds that say so) cannot be spent. A hold is released only by a verifier (or by
the case that placed it being closed or cancelled), never by the participant changing a payout
account or by finance retrying a transfer."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applicants.registration.models import Applicant


class HoldKind(models.TextChoices):
    CLAWBACK = "clawback", _("Clawback case")
    REGISTRY = "registry", _("Registry hit before payout")
    DUPLICATE = "duplicate", _("Suspected duplicate")
    BLOCK = "block", _("Blocked participant")


# Holds a case places and only that case lifts (closed, cancelled, an appeal upheld): they also
# suspend the card and stop new instalments and survey incentives, and a verifier's release
# from the holds queue does not lift them.
CASE_KINDS = (HoldKind.CLAWBACK, HoldKind.BLOCK)
# A confirmed duplicate account is held like a case too (its card suspended, no new instalment
# or survey incentive); a verifier may still release it from the holds queue, e.g. after the
# person showed the accounts are two people.
CONFIRMED_DUPLICATE_SUFFIX = ":confirmed"


class HoldQuerySet(models.QuerySet["Hold"]):
    def open(self) -> "HoldQuerySet":
        return self.filter(released_at__isnull=True)

    def of_cases(self) -> "HoldQuerySet":
        return self.filter(
            models.Q(kind__in=CASE_KINDS)
            | models.Q(kind=HoldKind.DUPLICATE, source__endswith=CONFIRMED_DUPLICATE_SUFFIX)
        )


class Hold(models.Model):
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="holds"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=HoldKind.choices)
    # What placed it, e.g. "clawback:12" or "registry:34" (a registry import): the same source
    # holds a participant once, and closing the source releases its holds.
    source = models.CharField(_("placed by"), max_length=64)
    # Shown to verifiers and, in plain words, to the participant; never an identifier.
    reason = models.CharField(_("reason"), max_length=200)
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by (staff)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    release_reason = models.CharField(_("why released"), max_length=300, blank=True)

    objects = HoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ("-placed_at",)
        permissions = [("release_hold", _("Can release a hold on a participant's money"))]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "kind", "source"], condition=Q(released_at__isnull=True), name="hold_open_once"
            ),
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | ~Q(release_reason=""), name="hold_release_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["applicant"], condition=Q(released_at__isnull=True), name="hold_open_by_applicant"),
            models.Index(fields=["kind", "placed_at"], condition=Q(released_at__isnull=True), name="hold_open_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.source}"
