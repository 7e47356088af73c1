"""The participant's side of purchases: the dashboard panel, confirming a purchase with the
SMS code, and reviewing a completed course."""

from typing import cast
from urllib.parse import urlencode
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from applicants.complaints.services import ComplaintSubjects, PurchaseChoice
from applicants.dashboard import Panel
from applicants.models import Applicant, Card
from courses.models import AttendanceLink, CourseReview
from courses.services.face_check import ChallengeStale, face_check_advice, face_check_challenge
from courses.services.face_check_queue import attendance_face_check_queue
from courses.services.redemption import RedeemCodeRefused, attendance_link_find
from courses.services.reviews import review_submit
from courses.training import training_progress_many
from partners.models import Partner, PartnerStatus, Purchase, PurchaseStatus
from partners.purchases.services.purchases import purchase_confirm, purchase_display_status
from prakerja.core.errors import DomainError
from prakerja.identity.models import FaceJobKind
from prakerja.identity.services import face_job_of, face_job_unfinished


class ConfirmForm(forms.Form):
    otp = forms.RegexField(
        label=gettext_lazy("Code from the SMS"),
        regex=r"^\s*[0-9]{6}\s*$",
        error_messages={"invalid": gettext_lazy("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("Rating"),
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(label=gettext_lazy("Your review"), widget=forms.Textarea(attrs={"rows": 4}), min_length=20)


def card_purchases(card: Card) -> QuerySet[Purchase]:
    return (
        Purchase.objects.filter(card=card)
        .exclude(status__in=[PurchaseStatus.EXPIRED, PurchaseStatus.FAILED])
        .select_related("course", "partner", "redeem_code__course")
        .prefetch_related("redeem_code__feedback")
        .order_by("-created_at")
    )


def purchases_panel(applicant: Applicant) -> Panel | None:
    card = Card.objects.filter(applicant=applicant).first()
    if card is None:
        return None
    purchases = list(card_purchases(card)[:20])
    if not purchases:
        return None
    reviewed = set(CourseReview.objects.filter(card=card).values_list("course_id", flat=True))
    # Each course's sessions and practice tasks as the institution reported them (three queries).
    progress = training_progress_many(p.redeem_code for p in purchases if p.redeem_code is not None)
    rows = [
        {
            "purchase": p,
            "status": purchase_display_status(p),
            "reviewed": p.course_id in reviewed,
            "progress": progress.get(p.redeem_code_id) if p.redeem_code_id else None,
        }
        for p in purchases
    ]
    # One course at a time: the course being followed (paid, not completed) blocks the next one.
    in_progress = next((p for p in purchases if p.status == PurchaseStatus.PAID), None)
    return Panel(
        template="partners/_purchases_panel.html",
        context={"rows": rows, "form": ConfirmForm(), "in_progress": in_progress},
        order=10,
    )


# The rules' refusals as the participant reads them on the dashboard (the platform's wording
# speaks of "the participant").
PARTICIPANT_WORDS = {
    "course_in_progress": gettext_lazy(
        "You have a course in progress. You can buy the next course only after finishing it "
        "(or after it was cancelled before the training started)."
    ),
    "platform_account_mismatch": gettext_lazy(
        "Your card is already used with another account on this platform. One platform account uses one card: "
        "buy with the account you used the first time."
    ),
    "platform_account_in_use": gettext_lazy(
        "This platform account already uses another Kartu Prakerja. One platform account uses one card."
    ),
}


def _own_purchase(request: HttpRequest, purchase_id: str) -> tuple[Card, Purchase]:
    user_id = cast(int, request.user.pk)
    card = get_object_or_404(Card, applicant__user_id=user_id)
    return card, get_object_or_404(Purchase.objects.select_related("course"), pk=purchase_id, card=card)


@login_required
@require_POST
@ratelimit(key="user", rate="10/m", method="POST", block=True)
def confirm(request: HttpRequest, purchase_id: str) -> HttpResponse:
    card, purchase = _own_purchase(request, purchase_id)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The code has 6 digits."))
        return redirect("applicants:dashboard")
    try:
        purchase_confirm(purchase_id=str(purchase.pk), otp=form.cleaned_data["otp"].strip(), card=card)
    except DomainError as error:  # a refused purchase, or the scheme year's last day passed
        messages.error(request, str(PARTICIPANT_WORDS.get(error.code, error.message)))
    else:
        messages.success(request, _("Purchase confirmed. Your redeem code is on your dashboard."))
    return redirect("applicants:dashboard")


@login_required
def review(request: HttpRequest, purchase_id: str) -> HttpResponse:
    card, purchase = _own_purchase(request, purchase_id)
    if purchase.status != PurchaseStatus.COMPLETED:
        messages.info(request, _("You can review a course once you have completed it."))
        return redirect("applicants:dashboard")
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review_submit(
                card=card,
                course=purchase.course,
                rating=form.cleaned_data["rating"],
                text=form.cleaned_data["text"],
                platform_id=purchase.partner_id,
            )
        except DomainError as error:  # a refused review, or the last day to review passed
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you for your review."))
            return redirect("applicants:dashboard")
    return render(request, "partners/review.html", {"form": form, "purchase": purchase})


def _attendance_context(token: str) -> tuple[AttendanceLink | None, dict[str, object]]:
    link = attendance_link_find(token=token)
    return link, ({"link": link, "course": link.redeem_code.course} if link is not None else {})


def _back_to_institution(link: AttendanceLink, *, status: str, outcome: str) -> HttpResponse:
    separator = "&" if "?" in link.redirect_uri else "?"
    query = urlencode(
        {"redeem_code": link.redeem_code.code, "sequence": link.sequence, "status": status, "face_check": outcome}
    )
    return redirect(f"{link.redirect_uri}{separator}{query}")


def _camera_page(
    request: HttpRequest, link: AttendanceLink, context: dict[str, object], *, status: int = 200
) -> HttpResponse:
    """The face-check page with its camera: every showing (the first, a retry) carries a new
    challenge for the burst to follow."""
    context["challenge"] = face_check_challenge(link=link, user_id=cast(int, request.user.pk))
    return render(request, "partners/attendance.html", context, status=status)


@login_required
def attendance(request: HttpRequest, token: str) -> HttpResponse:
    """The institution's one-time attendance link opens the face check: the participant's live
    burst (camera, with a blink) is matched with their verified selfie before attendance is
    recorded, then they return to the institution's page with the result. The match runs on an
    `identity` worker: the page sends the burst and waits on `attendance_checking`."""
    link, context = _attendance_context(token)
    if link is None:
        return render(
            request, "partners/attendance.html", {"error": _("This attendance link is not valid.")}, status=404
        )
    user_id = cast(int, request.user.pk)
    holder = Purchase.objects.filter(card__applicant__user_id=user_id, redeem_code_id=link.redeem_code_id).exists()
    applicant = Applicant.objects.filter(user_id=user_id).first()
    if request.method == "POST":
        frames = [frame.read() for frame in request.FILES.getlist("frames")]
        try:
            if applicant is None:
                raise RedeemCodeRefused(
                    "other_participant", _("This attendance link was made for another participant.")
                )
            if not frames:
                raise RedeemCodeRefused("no_frames", _("Take the face check with the camera first."))
            job = attendance_face_check_queue(
                token=token,
                applicant=applicant,
                email=request.user.email,  # type: ignore[union-attr]
                holder=holder,
                frames=frames,
                challenge=request.POST.get("challenge", ""),
            )
        except ChallengeStale as stale:
            context["retry"] = stale.message
            return _camera_page(request, link, context, status=422)
        except RedeemCodeRefused as refused:
            if refused.reason == "unreadable":
                context["retry"] = refused.message
                return _camera_page(request, link, context, status=422)
            context["error"] = refused.message
            return render(request, "partners/attendance.html", context, status=403)
        return redirect("catalogue:attendance-checking", token=token, job_id=job.pk)
    if applicant is not None and (
        waiting := face_job_unfinished(user_id=user_id, kind=FaceJobKind.SESSION, link=link.pk)
    ):
        return redirect("catalogue:attendance-checking", token=token, job_id=waiting.pk)
    return _camera_page(request, link, context)


@login_required
def attendance_checking(request: HttpRequest, token: str, job_id: UUID) -> HttpResponse:
    """ "Checking your photo…" while an `identity` worker checks the burst (the page polls the
    job's status every second; a refresh without script); then, as before the queue: passed or
    failed for good, back to the institution; failed, the advice and another try."""
    link, context = _attendance_context(token)
    job = face_job_of(job_id=str(job_id), user_id=cast(int, request.user.pk), kind=FaceJobKind.SESSION)
    if link is None or job is None or job.params.get("link") != link.pk:
        raise Http404
    if not job.finished:
        context["status_url"] = reverse("face-job-status", args=[job.pk])
        return render(request, "partners/attendance_checking.html", context)
    result = job.result
    if "error" in result:
        context["error"] = (
            _("The face check could not be done right now. Nothing was counted: open the link again in a few minutes.")
            if result["error"] == "unavailable"
            else result.get("message", "")
        )
        return render(request, "partners/attendance.html", context, status=403)
    if not result["final"]:
        context["retry"] = face_check_advice(result["reason"])
        return _camera_page(request, link, context, status=422)
    used = AttendanceLink.objects.select_related("redeem_code").get(pk=result["link"])
    return _back_to_institution(used, status=result["status"], outcome=result["outcome"])


def complaint_subjects_for(applicant: Applicant) -> ComplaintSubjects:
    """The participant's purchases (newest first) and the platforms, for the complaint form."""
    purchases = (
        Purchase.objects.filter(card__applicant=applicant)
        .exclude(status__in=[PurchaseStatus.EXPIRED, PurchaseStatus.FAILED])
        .select_related("course", "partner")
        .order_by("-created_at")[:50]
    )
    platforms = Partner.objects.filter(status__in=[PartnerStatus.ACTIVE, PartnerStatus.SUSPENDED]).order_by("name")
    return ComplaintSubjects(
        purchases=[
            PurchaseChoice(
                reference=str(p.pk),
                label=f"{p.invoice_code} · {p.course.title} ({p.partner.name})",
                platform_id=p.partner_id,
            )
            for p in purchases
        ],
        platforms=[(p.pk, p.name) for p in platforms],
    )
