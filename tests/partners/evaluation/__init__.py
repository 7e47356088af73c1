"""Helpers for the platforms' evaluation tests: rows as the services would leave them, at the
times a test needs (the services stamp "now")."""

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

from applicants.models import Applicant, Card, Complaint, ComplaintCategory
from courses.models import Attendance, Course, CourseReview, CourseSession, RedeemCode
from courses.services.redemption import redeem_code_issue
from partners.evaluation.services.scorecards import scorecard_activate, scorecard_create
from partners.models import (
    ApiRequestLog,
    Listing,
    Partner,
    Purchase,
    PurchaseStatus,
    Scorecard,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from partners.models.evaluation import DEFAULT_RULES
from prakerja.core.actor import Actor
from tests.factories import CourseFactory
from tests.partners.conftest import new_participant_card

WIB = ZoneInfo("Asia/Jakarta")


def at(day: int, hour: int = 12, month: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=WIB)


def purchase(
    *,
    listing: Listing,
    card: Card,
    created: dt.datetime,
    status: str = PurchaseStatus.PAID,
    paid: bool = True,
    hours_to_complete: float | None = None,
    commission_bp: int | None = None,
    price: int | None = None,
) -> Purchase:
    price = price or listing.price
    unfinished = status in (PurchaseStatus.PAID, PurchaseStatus.COMPLETED)  # a completed row is paid first
    if unfinished and Purchase.objects.filter(card=card, status=PurchaseStatus.PAID).exists():
        # One course at a time: a card holds one unfinished paid purchase. The evaluation reads
        # no card, so another participant's card carries this one.
        card = new_participant_card()
    rate = commission_bp if commission_bp is not None else listing.partner.commission_rate_bp
    completed = status == PurchaseStatus.COMPLETED
    row = Purchase.objects.create(
        partner=listing.partner,
        listing=listing,
        course=listing.course,
        card=card,
        invoice_code="INV-T-" + secrets.token_hex(6).upper(),
        price=price,
        commission_rate_bp=rate,
        commission_amount=price * rate // 10_000,
        status=PurchaseStatus.PAID if completed else status,
        otp_hash="x",
        otp_expires_at=created + dt.timedelta(minutes=10),
    )
    started = created + dt.timedelta(hours=1)
    if completed:
        _training_done(row, hours=hours_to_complete or 1)
    Purchase.objects.filter(pk=row.pk).update(
        status=status,
        certificate_number=f"S-{row.pk}" if completed else "",
        created_at=created,
        confirmed_at=created + dt.timedelta(minutes=5) if paid else None,
        started_at=started if hours_to_complete is not None else None,
        completed_at=started + dt.timedelta(hours=hours_to_complete) if hours_to_complete is not None else None,
    )
    return row


def _training_done(row: Purchase, *, hours: float) -> None:
    """What the database requires of a completed purchase: every planned session of its
    course attended, and a minimum duration the completion time respects (these rows'
    completion times are often shorter than the factory's 20 hours)."""
    code = redeem_code_issue(course=row.course)
    RedeemCode.objects.filter(pk=code.pk).update(status="used")
    Purchase.objects.filter(pk=row.pk).update(redeem_code=code)
    Attendance.objects.bulk_create(
        Attendance(redeem_code=code, sequence=s.sequence, session=s)
        for s in CourseSession.objects.filter(course=row.course)
    )
    Course.objects.filter(pk=row.course_id, min_duration_hours__gt=hours).update(min_duration_hours=max(1, int(hours)))


def review(*, listing: Listing, card: Card, rating: int, created: dt.datetime) -> None:
    # One review per (card, course): each review gets its own course.
    course = CourseFactory.create()
    row = CourseReview.objects.create(
        course=course, card=card, rating=rating, text="Ulasan uji " * 3, author_name="U", platform_id=listing.partner_id
    )
    CourseReview.objects.filter(pk=row.pk).update(created_at=created)


def complaint(*, applicant: Applicant, partner: Partner, created: dt.datetime) -> None:
    row = Complaint.objects.create(
        applicant=applicant,
        category=ComplaintCategory.PLATFORM,
        subject="Sertifikat belum terbit",
        body="Sudah selesai tetapi sertifikat belum ada.",
        platform_id=partner.pk,
    )
    Complaint.objects.filter(pk=row.pk).update(created_at=created)


def api_requests(*, partner: Partner, statuses: list[int], when: dt.datetime) -> None:
    ApiRequestLog.objects.bulk_create(
        ApiRequestLog(
            partner=partner, method="POST", route="purchase-create", status_code=code, duration_ms=20, at=when
        )
        for code in statuses
    )


def webhooks(*, partner: Partner, statuses: list[str], created: dt.datetime) -> None:
    endpoint = WebhookEndpoint.objects.create(partner=partner, url="https://hooks.example/x", secret_encrypted=b"x")
    for status in statuses:
        event = WebhookEvent.objects.create(partner=partner, type="purchase.confirmed", payload={})
        WebhookEvent.objects.filter(pk=event.pk).update(created_at=created)
        WebhookDelivery.objects.create(
            event=event, endpoint=endpoint, status=status, partner=partner, created_at=created
        )


def scorecard(
    rules: list[tuple[str, int, float, float, bool]] | None = None, *, activate: bool = True, **bands: int
) -> Scorecard:
    card = scorecard_create(rules=rules or DEFAULT_RULES, actor=Actor.system("tests"), activate=False)
    if bands:
        Scorecard.objects.filter(pk=card.pk).update(**bands)
    if activate:
        card = scorecard_activate(scorecard=card, actor=Actor.system("tests"))
    return card
