"""Who owns a digital platform: the same stakes as an institution's (`courses.OwnerStake`),
matched on `owner_key` to find affiliated institutions (`partners.conflicts`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.models import OwnerStake
from courses.models.ownership import stake_constraints
from partners.models.platform import Partner


class PlatformOwner(OwnerStake):
    partner = models.ForeignKey(Partner, verbose_name=_("platform"), on_delete=models.CASCADE, related_name="owners")

    class Meta:
        verbose_name = _("platform owner")
        verbose_name_plural = _("platform owners")
        ordering = ("-share_percent", "pk")
        constraints = stake_constraints("platformowner", "partner")
