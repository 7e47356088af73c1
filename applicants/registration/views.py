"""Applicant pages: thin; each step validates its form, calls one service, shows the result."""

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from applicants.assisted.selectors import assisted_history
from applicants.dashboard import dashboard_panels
from applicants.errors import ApplicantError, OtpCooldown
from applicants.models import Applicant, Question, Step, TestAttempt
from applicants.privacy.selectors import notice_acceptance_needed
from applicants.registration.forms import CodeForm, IdentityForm, PersonalForm, PhoneForm, RegisterForm
from applicants.registration.selectors import dashboard_steps, ktp_photo_visible_to
from applicants.registration.services.basic_test import test_attempt_open, test_attempt_submit
from applicants.registration.services.contact import applicant_phone_submit, applicant_phone_verify
from applicants.registration.services.identity import applicant_identity_submit
from applicants.registration.services.personal import PersonalData, applicant_personal_submit
from applicants.registration.services.registration import (
    applicant_register,
    applicant_verify_email,
    email_verification_resend,
)
from applicants.verification.panels import identity_panel
from applicants.waves.selectors import programme_status
from prakerja.core.errors import domain_error_on_form
from prakerja.core.pagecache import cached_page, page_context
from prakerja.core.uploads import private_file_pk, private_image_response, upload_limited_message, upload_rate_limited

ApplicantView = Callable[..., HttpResponseBase]


RESEND_SESSION_KEY = "verification_sent_at"


def applicant_required(view: ApplicantView) -> ApplicantView:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        applicant = Applicant.objects.select_related("user").filter(user_id=cast(int, request.user.pk)).first()
        if applicant is None:
            return redirect("admin:index") if request.user.is_staff else redirect("landing")
        if notice_acceptance_needed(applicant) is not None:
            # A newer privacy notice is in force: asked again before any applicant page.
            return redirect(f"{reverse('applicants:privacy-accept')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, applicant, *args, **kwargs)

    return wrapper


def registration_rate(group: str, request: HttpRequest) -> str:
    return str(settings.RATELIMIT_REGISTRATION)


# The empty registration form is the same for every new visitor but its CSRF token: served from
# the page cache (prakerja.core.pagecache), the token filled in per visitor. At a launch peak
# every account creation first loads it; only the POST then does work.
REGISTRATION_PAGES = "registration"


@cached_page(REGISTRATION_PAGES)
@ratelimit(key="ip", rate=registration_rate, method="POST", block=True)
@sensitive_post_parameters("password1", "password2")
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("applicants:dashboard")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            applicant = applicant_register(email=form.cleaned_data["email"], password=form.cleaned_data["password1"])
        except ApplicantError as error:
            domain_error_on_form(form, error)
            return render(request, "applicants/register.html", {"form": form})
        login(request, applicant.user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[RESEND_SESSION_KEY] = timezone.now().isoformat()
        messages.success(request, _("Your account is ready. We sent a link to your email: open it to continue."))
        return redirect("applicants:dashboard")
    return render(request, "applicants/register.html", page_context(request, {"form": form}))


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        applicant_verify_email(token=token)
    except ApplicantError as error:
        return render(request, "applicants/verify_email_failed.html", {"message": error.message}, status=400)
    messages.success(request, _("Thank you, your email address is verified."))
    return redirect("applicants:dashboard" if request.user.is_authenticated else "applicants:login")


@require_POST
@ratelimit(key="user_or_ip", rate="5/h", method="POST", block=True)
@applicant_required
def resend_verification(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    raw = request.session.get(RESEND_SESSION_KEY)
    last = dt.datetime.fromisoformat(raw) if raw else None
    try:
        email_verification_resend(applicant=applicant, last_sent_at=last)
    except ApplicantError as error:
        messages.error(request, error.message)
    else:
        request.session[RESEND_SESSION_KEY] = timezone.now().isoformat()
        messages.success(request, _("We sent a new link to %(email)s.") % {"email": applicant.user.email})
    return redirect("applicants:dashboard")


@applicant_required
def dashboard(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    context = {"applicant": applicant, "steps": dashboard_steps(applicant), "assisted": assisted_history(applicant)}
    if applicant.has_reached(Step.READY):
        context["programme"] = programme_status(applicant)
        context["panels"] = dashboard_panels(applicant)
    elif (panel := identity_panel(applicant)) is not None:
        # Before the wave step the selfie is the one panel that may apply.
        context["panels"] = [panel]
    return render(request, "applicants/dashboard.html", context)


def _guard(request: HttpRequest, applicant: Applicant, step: Step) -> HttpResponse | None:
    if applicant.has_reached(step):
        return None
    messages.info(request, _("Please finish the earlier steps first."))
    return redirect("applicants:dashboard")


@sensitive_post_parameters("nik", "kk_number")
@applicant_required
def identity(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    if response := _guard(request, applicant, Step.IDENTITY):
        return response
    initial = {"full_name": applicant.full_name, "birth_date": applicant.birth_date}
    form = IdentityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            applicant = applicant_identity_submit(applicant=applicant, today=timezone.localdate(), **form.cleaned_data)
        except ApplicantError as error:
            domain_error_on_form(form, error)
        else:
            if not applicant.nik_region_known:
                messages.warning(
                    request, _("We do not recognise the region code in your NIK. A verifier may check it.")
                )
            if applicant.flag_birth_date_mismatch:
                messages.warning(
                    request,
                    _("Your birth date differs from the one in your NIK. You can continue; a verifier will check it."),
                )
            messages.success(request, _("Your identity is saved."))
            return redirect("applicants:contact")
    return render(request, "applicants/identity.html", {"form": form, "applicant": applicant})


@ratelimit(key="user_or_ip", rate="10/h", method="POST", block=True)
@applicant_required
def contact(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    if response := _guard(request, applicant, Step.CONTACT):
        return response
    form = PhoneForm(request.POST or None, initial={"phone": applicant.phone})
    if request.method == "POST" and form.is_valid():
        try:
            applicant_phone_submit(applicant=applicant, phone=form.cleaned_data["phone"])
        except OtpCooldown as error:
            messages.info(request, error.message)
            return redirect("applicants:contact-verify")
        except ApplicantError as error:
            domain_error_on_form(form, error, fallback="phone")
        else:
            messages.success(request, _("We sent a 6-digit code by SMS to %(phone)s.") % {"phone": applicant.phone})
            return redirect("applicants:contact-verify")
    return render(request, "applicants/contact.html", {"form": form, "applicant": applicant})


@ratelimit(key="user_or_ip", rate="20/h", method="POST", block=True)
@applicant_required
def contact_verify(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    if response := _guard(request, applicant, Step.CONTACT):
        return response
    if not applicant.phone:
        return redirect("applicants:contact")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            applicant_phone_verify(applicant=applicant, code=form.cleaned_data["code"])
        except ApplicantError as error:
            domain_error_on_form(form, error, fallback="code")
        else:
            messages.success(request, _("Your mobile number is verified."))
            return redirect("applicants:personal")
    return render(request, "applicants/contact_verify.html", {"form": form, "applicant": applicant})


@applicant_required
def personal(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    if response := _guard(request, applicant, Step.PERSONAL):
        return response
    initial = {
        "address": applicant.address,
        "province": applicant.province_id,
        "regency": applicant.regency_id,
        "education": applicant.education,
        "marital_status": applicant.marital_status,
        "dependants": applicant.dependants,
        "employment_status": applicant.employment_status,
        "training_interests": applicant.training_interests,
    }
    form = PersonalForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and upload_rate_limited(request):
        form.is_valid()
        form.add_error("ktp_photo", upload_limited_message())
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            applicant_personal_submit(
                applicant=applicant,
                data=PersonalData(
                    address=data["address"],
                    province=data["province"],
                    regency=data["regency"],
                    education=data["education"],
                    marital_status=data["marital_status"],
                    dependants=data["dependants"],
                    employment_status=data["employment_status"],
                    training_interests=data["training_interests"],
                    honesty_declared=data["honesty_declared"],
                ),
                ktp_photo=data.get("ktp_photo"),
            )
        except ApplicantError as error:
            domain_error_on_form(form, error)
        else:
            messages.success(request, _("Your personal data is saved."))
            return redirect("applicants:basic-test")
    return render(request, "applicants/personal.html", {"form": form, "applicant": applicant})


@login_required
def ktp_photo(request: HttpRequest, token: str) -> FileResponse:
    """The ID card photo, for its owner and for staff allowed to view applicants only."""
    applicant = get_object_or_404(Applicant, pk=private_file_pk(kind="ktp", token=token))
    if not ktp_photo_visible_to(applicant=applicant, user=request.user) or not applicant.ktp_photo:
        raise Http404
    return private_image_response(applicant.ktp_photo)


@applicant_required
def basic_test(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    if response := _guard(request, applicant, Step.BASIC_TEST):
        return response
    if applicant.basic_test_completed_at:
        return redirect("applicants:dashboard")
    running = TestAttempt.objects.filter(applicant=applicant, submitted_at__isnull=True).first()
    if request.method == "POST":
        if "start" in request.POST:
            try:
                test_attempt_open(applicant=applicant)
            except ApplicantError as error:
                messages.error(request, error.message)
                return redirect("applicants:dashboard")
            # Post/redirect/get: reloading the questions page never starts another attempt.
            return redirect("applicants:basic-test")
        elif running is not None:
            answers = {
                key.removeprefix("q"): int(value)
                for key in request.POST
                if key.startswith("q") and (value := str(request.POST.get(key, ""))).isdigit()
            }
            attempt = test_attempt_submit(attempt=running, answers=answers)
            if attempt.expired:
                messages.error(request, _("Time ran out before your answers arrived. You can start the test again."))
            else:
                messages.success(request, _("Thank you, your test is submitted."))
            return redirect("applicants:dashboard")
    if running is None:
        return render(request, "applicants/basic_test_intro.html", {"applicant": applicant})
    questions = {q.pk: q for q in Question.objects.filter(pk__in=running.question_ids)}
    ordered = [questions[qid] for qid in running.question_ids if qid in questions]
    seconds_left = max(0, int((running.deadline_at - timezone.now()).total_seconds()))
    return render(
        request,
        "applicants/basic_test.html",
        {"applicant": applicant, "attempt": running, "questions": ordered, "seconds_left": seconds_left},
    )
