"""Double-entry ledger. Amounts are integer rupiah.

Invariants held by the database itself (see migrations/0002_ledger_rules.py):
- entries and postings are append-only: UPDATE and DELETE raise;
- the entries written by one INSERT statement sum to zero per posting, at least two each, and
  point at existing postings and accounts (checked once per statement, not per row);
- a protected account's `balance` column is kept by a statement trigger from the entries and
  CHECKed to stay >= 0, so concurrent spends serialise on the account row and the last rupiah
  can be spent only once.
"""

from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    STATE_BUDGET = "state_budget", _("State budget (source of programme funds)")
    FUND_TRAINING = "fund_training", _("Programme fund: training")
    FUND_INCENTIVE = "fund_incentive", _("Programme fund: incentives")
    FUND_SURVEY = "fund_survey", _("Programme fund: surveys")
    TREASURY = "treasury", _("State treasury (returned money)")
    PARTICIPANT_TRAINING = "participant_training", _("Participant training balance")
    PARTICIPANT_INCENTIVE = "participant_incentive", _("Participant incentive payable")
    PLATFORM_PAYABLE = "platform_payable", _("Platform payable")
    PAYOUTS_IN_FLIGHT = "payouts_in_flight", _("Payouts in flight")
    PAYOUTS_SETTLED = "payouts_settled", _("Payouts settled (paid out)")
    CLAWBACK_RECEIVABLE = "clawback_receivable", _("Clawback receivable")


# Kinds whose balance may never go below zero. The state budget is the source of all money
# and so runs negative; money paid out leaves the programme. Payouts in flight is one hot
# system account touched by every chunk of every disbursement: guarding it would serialise
# the payout workers on its row (as platform payables would serialise purchases); it cannot go
# negative by construction, since each payout debits it once, by a keyed posting, only after
# its own keyed credit (checked by the payout tests against the open payouts' total).
PROTECTED_KINDS = frozenset(
    {
        AccountKind.FUND_TRAINING,
        AccountKind.FUND_INCENTIVE,
        AccountKind.FUND_SURVEY,
        AccountKind.PARTICIPANT_TRAINING,
        AccountKind.PARTICIPANT_INCENTIVE,
    }
)


class LedgerAccount(models.Model):
    kind = models.CharField(_("kind"), max_length=32, choices=AccountKind.choices)
    # What the account belongs to, e.g. a participant's card id or a platform's id; empty for
    # the programme's own accounts.
    owner_ref = models.CharField(_("owner"), max_length=64, blank=True, default="")
    name = models.CharField(_("name"), max_length=200, blank=True)
    is_protected = models.BooleanField(_("must not go negative"), default=False)
    # Maintained by the database for protected accounts only (unprotected ones are computed
    # from entries), so that hot system accounts are never a lock bottleneck.
    balance = models.BigIntegerField(_("guarded balance"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "ledger_account"
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(fields=["kind", "owner_ref"], name="ledger_account_kind_owner_unique"),
            models.CheckConstraint(
                condition=models.Q(is_protected=False) | models.Q(balance__gte=0),
                name="ledger_account_protected_balance_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        return f"{label} {self.owner_ref}".strip()


class Posting(models.Model):
    """One journal transaction: two or more entries that sum to zero."""

    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=64)
    memo = models.CharField(_("memo"), max_length=255, blank=True, default="")
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
        db_index=False,  # the partial unique constraint below indexes the few reversals
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        constraints = [
            # A posting is reversed at most once. Partial, so the millions of ordinary postings
            # add nothing to this index.
            models.UniqueConstraint(
                fields=["reverses"],
                condition=models.Q(reverses__isnull=False),
                name="ledger_posting_reversed_once",
            ),
        ]
        indexes = [
            # Postings are appended in time order: a BRIN index costs almost nothing to keep.
            BrinIndex(fields=["created_at"], name="ledger_posting_created_brin"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key}"


class Entry(models.Model):
    # An account appears at most once in a posting, so (posting, account) identifies an entry:
    # one index less than a surrogate id on the largest table, and no sequence to call.
    pk = models.CompositePrimaryKey("posting_id", "account_id")
    # References are checked set-based by the statement trigger rather than by per-row foreign
    # key triggers, which cost three times the insert itself on a wave-sized issuance. Postings
    # and accounts can never be deleted (the database refuses), so a checked reference stays valid.
    posting = models.ForeignKey(
        Posting,
        verbose_name=_("posting"),
        on_delete=models.PROTECT,
        related_name="entries",
        db_constraint=False,
        db_index=False,  # the primary key (posting_id, account_id) serves lookups by posting
    )
    account = models.ForeignKey(
        LedgerAccount,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="entries",
        db_constraint=False,
        db_index=False,
    )
    # Positive: money into the account; negative: money out of it.
    amount = models.BigIntegerField(_("amount (Rp)"))

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_entry_amount_nonzero"),
        ]
        indexes = [models.Index(fields=["account"], name="ledger_entry_account_idx")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount:+,}"
