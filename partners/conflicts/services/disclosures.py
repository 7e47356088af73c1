"""A curator's approval of an affiliated listing, with the disclosure the course page shows."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.conflicts.errors import DisclosureError
from partners.models import Listing
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor


@transaction.atomic
def listing_disclosure_approve(*, listing: Listing, disclosure: str, actor: Actor, disclosure_en: str = "") -> Listing:
    """Approve an affiliated listing with its disclosure (Indonesian required, English shown to
    English readers when given); a listing the affiliation withheld goes (back) on sale."""
    locked = Listing.objects.select_for_update().get(pk=listing.pk)
    if not locked.affiliated:
        raise DisclosureError(_("This platform and this institution are not affiliated: there is nothing to disclose."))
    text = disclosure.strip()
    if not text:
        raise DisclosureError(
            _("An affiliated listing is approved only with its disclosure, in Indonesian."), field="disclosure"
        )
    locked.disclosure = text
    locked.disclosure_en = disclosure_en.strip()
    locked.disclosed_at = timezone.now()
    locked.disclosed_by = actor.person
    if locked.withheld_for_disclosure:
        locked.is_active = True
        locked.withheld_for_disclosure = False
    locked.save(
        update_fields=[
            "disclosure",
            "disclosure_en",
            "disclosed_at",
            "disclosed_by",
            "is_active",
            "withheld_for_disclosure",
        ]
    )
    audit_record(
        actor=actor,
        action="listing.disclosure_approved",
        target=locked,
        payload={"disclosure": locked.disclosure, "disclosure_en": locked.disclosure_en, "on_sale": locked.is_active},
    )
    return locked
