"""Who owns a training institution (and, through `OwnerStake`, a digital platform): legal
entities and beneficial owners with their share, so that the PMO can see when a platform sells
the courses of an institution it is affiliated with (the anti-corruption commission's 2020
finding: 5 of 8 platforms, about 250 of 1,895 courses).

Each owner carries `owner_key`, the identity two stakes are matched on across platforms and
institutions: `nib:<13 digits>` or `ahu:<number>` for a legal entity, `nik:<blind index>` for a
person (never the NIK itself; only a masked copy is kept for the screens)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.models.institutions import TrainingInstitution


class OwnerKind(models.TextChoices):
    LEGAL_ENTITY = "legal_entity", _("Legal entity (PT, foundation, cooperative)")
    PERSON = "person", _("Person (beneficial owner)")


class OwnerStake(models.Model):
    """One owner's stake in the owned organisation (the concrete models say which)."""

    kind = models.CharField(_("kind"), max_length=12, choices=OwnerKind.choices)
    name = models.CharField(_("name"), max_length=200)
    # Legal entities: NIB (13 digits) or the AHU registration number, normalised.
    registration_number = models.CharField(_("NIB or AHU number"), max_length=60, blank=True)
    # Persons: only the NIK's blind index (in owner_key) and a masked copy.
    nik_masked = models.CharField(_("NIK"), max_length=16, blank=True, editable=False)
    owner_key = models.CharField(max_length=80, editable=False, db_index=True)
    # 0 is a beneficial owner by control without shares (a director or commissioner who
    # controls the company: Presidential Regulation 13/2018).
    share_percent = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        # Never the NIK: this text lands in the admin's log and the audit trail.
        return f"{self.name} ({self.share_percent}%)"

    @property
    def share_fraction(self) -> Decimal:
        return self.share_percent / 100


def stake_constraints(prefix: str, owned: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=models.Q(share_percent__gte=0) & models.Q(share_percent__lte=100),
            name=f"{prefix}_share_0_100",
        ),
        models.CheckConstraint(
            condition=(models.Q(kind=OwnerKind.LEGAL_ENTITY) & ~models.Q(registration_number=""))
            | (models.Q(kind=OwnerKind.PERSON) & models.Q(owner_key__startswith="nik:")),
            name=f"{prefix}_identified",
        ),
        models.CheckConstraint(condition=~models.Q(owner_key=""), name=f"{prefix}_key_set"),
        # The same owner is recorded once per organisation (its stakes summed).
        models.UniqueConstraint(fields=[owned, "owner_key"], name=f"{prefix}_once"),
    ]


class InstitutionOwner(OwnerStake):
    institution = models.ForeignKey(
        TrainingInstitution, verbose_name=_("training institution"), on_delete=models.CASCADE, related_name="owners"
    )

    class Meta:
        verbose_name = _("institution owner")
        verbose_name_plural = _("institution owners")
        ordering = ("-share_percent", "pk")
        constraints = stake_constraints("institutionowner", "institution")
