"""Listings: an approved course on a platform, at a price not above the course price."""

import datetime as dt
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from courses.errors import CurationError
from courses.hooks import CourseDecided
from courses.models import Category, Course, CourseSession, CourseStatus, Schedule, Trainer
from courses.services.curation import course_submit
from partners.conflicts.services.affiliations import affiliated
from partners.models import Listing, Partner
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor


def _listing_problems(*, course: Course, partner: Partner, price: int) -> list[str]:
    problems = []
    if course.status != CourseStatus.APPROVED or course.revision_of_id is not None:
        problems.append(_("Only approved courses can be listed."))
    if not partner.may_do_new_business:
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
    # A course of an affiliated institution waits, off sale, for a curator's disclosure.
    flagged = affiliated(partner_id=partner.pk, institution_id=course.institution_id)
    try:
        with transaction.atomic():
            listing = Listing.objects.create(
                course=course,
                partner=partner,
                sku=sku,
                price=price,
                url=url,
                affiliated=flagged,
                is_active=not flagged,
                withheld_for_disclosure=flagged,
            )
    except IntegrityError as exc:
        raise CurationError([_("This platform already lists this course or uses this SKU.")]) from exc
    audit_record(
        actor=actor,
        action="listing.create",
        target=listing,
        payload={"price": price, "sku": sku, "affiliated": flagged},
    )
    return listing


@transaction.atomic
def listing_update(
    *,
    listing: Listing,
    actor: Actor,
    price: int | None = None,
    is_active: bool | None = None,
    sku: str | None = None,
) -> Listing:
    locked = Listing.objects.select_for_update().select_related("course", "partner").get(pk=listing.pk)
    if sku is not None and sku != locked.sku:
        if Listing.objects.filter(partner_id=locked.partner_id, sku=sku).exists():
            raise CurationError([_("This platform already uses this SKU.")])
        locked.sku = sku
    if price is not None:
        if problems := _listing_problems(course=locked.course, partner=locked.partner, price=price):
            raise CurationError(problems)
        locked.price = price
    if is_active is not None:
        if locked.affiliated and locked.disclosed_at is None:
            # Not on sale before a curator's disclosure: the wish is kept for that moment.
            locked.withheld_for_disclosure = is_active and not locked.awaiting_approval
        else:
            locked.is_active = is_active
    locked.save(update_fields=["price", "is_active", "sku", "withheld_for_disclosure"])
    audit_record(
        actor=actor,
        action="listing.update",
        target=locked,
        payload={
            "price": locked.price,
            "active": locked.is_active,
            "sku": locked.sku,
            "withheld_for_disclosure": locked.withheld_for_disclosure,
        },
    )
    return locked


@dataclass(frozen=True)
class NewCourse:
    institution_id: int
    title: str
    description: str
    learning_outcomes: str
    category_slug: str
    method: str
    total_hours: Decimal
    price: int
    outside_price: int
    trainer_name: str
    trainer_profile: str
    sessions: list[tuple[dt.datetime, dt.datetime]]
    # One entry per planned session: whether it requires a practice task.
    session_plan: list[bool] = field(default_factory=list)
    min_duration_hours: int | None = None


@transaction.atomic
def listing_create_with_new_course(*, partner: Partner, new: NewCourse, sku: str, price: int, actor: Actor) -> Listing:
    """Submit a course for curation on behalf of one of the platform's institutions, with the
    platform's listing of it, inactive until curators approve the course."""
    if not partner.may_do_new_business:
        raise CurationError([_("This platform may not sell courses now.")])
    institution = partner.institutions.filter(pk=new.institution_id).first()
    if institution is None:
        raise CurationError([_("This platform may not submit courses for that institution.")])
    category = Category.objects.filter(slug=new.category_slug).first()
    if category is None:
        raise CurationError([_("Unknown category.")])
    if price <= 0 or price > new.price:
        raise CurationError([_("The platform price must be above zero and not above the course price.")])
    course = Course.objects.create(
        institution=institution,
        code=f"P{partner.pk}-{secrets.token_hex(4).upper()}",
        title=new.title,
        description=new.description,
        learning_outcomes=new.learning_outcomes,
        category=category,
        method=new.method,
        total_hours=new.total_hours,
        price=new.price,
        outside_price=new.outside_price,
        planned_sessions=len(new.session_plan),
        min_duration_hours=new.min_duration_hours,
    )
    CourseSession.objects.bulk_create(
        CourseSession(course=course, sequence=n, practice_task_required=task)
        for n, task in enumerate(new.session_plan, start=1)
    )
    trainer = Trainer.objects.create(institution=institution, name=new.trainer_name, profile=new.trainer_profile)
    course.trainers.add(trainer)
    for n, (starts_at, ends_at) in enumerate(new.sessions, start=1):
        Schedule.objects.create(
            course=course, code=f"{course.code}-{n}", starts_at=starts_at, ends_at=ends_at, capacity=100
        )
    course_submit(course=course, actor=actor)  # raises CurationError with every problem
    try:
        with transaction.atomic():
            listing = Listing.objects.create(
                course=course,
                partner=partner,
                sku=sku,
                price=price,
                is_active=False,
                awaiting_approval=True,
                affiliated=affiliated(partner_id=partner.pk, institution_id=institution.pk),
            )
    except IntegrityError as exc:
        raise CurationError([_("This platform already uses this SKU.")]) from exc
    audit_record(actor=actor, action="listing.submitted", target=listing, payload={"course": course.code})
    return listing


def listings_on_course_decided(event: CourseDecided) -> None:
    """Curators decided a course a platform submitted: activate its listing or tell it why not."""
    course, status, reasons = event.course, event.status, event.reasons
    from partners.webhooks.services.webhooks import webhook_event_record

    for listing in (
        Listing.objects.select_for_update().select_related("partner").filter(course=course, awaiting_approval=True)
    ):
        approved = status == CourseStatus.APPROVED
        undisclosed = listing.affiliated and listing.disclosed_at is None
        listing.awaiting_approval = False
        listing.is_active = approved and not undisclosed
        listing.withheld_for_disclosure = approved and undisclosed
        listing.save(update_fields=["awaiting_approval", "is_active", "withheld_for_disclosure"])
        webhook_event_record(
            partner=listing.partner,
            type="listing.approved" if approved else "listing.rejected",
            payload={"listing": listing.pk, "course": course.code, "sku": listing.sku, "reasons": reasons},
        )
