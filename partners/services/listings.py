"""Listings: an approved course on a platform, at a price not above the course price."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from courses.errors import CurationError
from courses.models import Course, CourseStatus
from partners.models import Listing, Partner, PartnerStatus
from prakerja.audit.services import Actor, audit_record

SELLING = frozenset({PartnerStatus.ACTIVE})


def _listing_problems(*, course: Course, partner: Partner, price: int) -> list[str]:
    problems = []
    if course.status != CourseStatus.APPROVED or course.revision_of_id is not None:
        problems.append(_("Only approved courses can be listed."))
    if partner.status not in SELLING:
        problems.append(_("This platform may not sell courses now."))
    if price <= 0 or price > course.price:
        problems.append(
            _("The platform price must be above zero and not above the course price (Rp%(price)s).")
            % {"price": f"{course.price:,}".replace(",", ".")}
        )
    return problems


@transaction.atomic
def listing_create(*, course: Course, partner: Partner, sku: str, price: int, actor: Actor, url: str = "") -> Listing:
    if problems := _listing_problems(course=course, partner=partner, price=price):
        raise CurationError(problems)
    try:
        with transaction.atomic():
            listing = Listing.objects.create(course=course, partner=partner, sku=sku, price=price, url=url)
    except IntegrityError as exc:
        raise CurationError([_("This platform already lists this course or uses this SKU.")]) from exc
    audit_record(actor=actor, action="listing.create", target=listing, payload={"price": price, "sku": sku})
    return listing


@transaction.atomic
def listing_update(
    *, listing: Listing, actor: Actor, price: int | None = None, is_active: bool | None = None
) -> Listing:
    locked = Listing.objects.select_for_update().select_related("course", "partner").get(pk=listing.pk)
    if price is not None:
        if problems := _listing_problems(course=locked.course, partner=locked.partner, price=price):
            raise CurationError(problems)
        locked.price = price
    if is_active is not None:
        locked.is_active = is_active
    locked.save(update_fields=["price", "is_active"])
    audit_record(
        actor=actor, action="listing.update", target=locked, payload={"price": locked.price, "active": locked.is_active}
    )
    return locked
