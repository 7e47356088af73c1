"""Participant pages for incentives: the dashboard panel, linking a payout account, surveys."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from applicants.dashboard import Panel
from applicants.errors import ApplicantError
from applicants.incentives.forms import PayoutAccountForm, survey_form
from applicants.incentives.models import PayoutAccount, PayoutAccountStatus, Survey
from applicants.incentives.selectors import incentive_overview
from applicants.incentives.services.entitlements import survey_next, survey_submit
from applicants.incentives.services.payout_accounts import (
    payout_account_confirm,
    payout_account_resend,
    payout_account_start,
)
from applicants.models import Applicant, Card
from applicants.registration.forms import CodeForm
from applicants.registration.views import applicant_required
from prakerja.core.errors import domain_error_on_form


def incentives_panel(applicant: Applicant) -> Panel | None:
    card = Card.objects.filter(applicant=applicant).first()
    if card is None:
        return None
    return Panel(template="applicants/_incentives_panel.html", context=incentive_overview(card), order=200)


def _card_or_dashboard(request: HttpRequest, applicant: Applicant) -> Card | None:
    card = Card.objects.filter(applicant=applicant).first()
    if card is None:
        messages.info(request, _("Incentives are for participants with a Kartu Prakerja."))
    return card


def _inquiries_exceeded(request: HttpRequest) -> bool:
    """Each try asks the provider (a paid inquiry that names the holder): counted per
    participant and per client address, per day."""
    by_user = is_ratelimited(
        request, group="payout_inquiry", key="user", rate=settings.RATELIMIT_PAYOUT_INQUIRY_USER, increment=True
    )
    by_ip = is_ratelimited(
        request, group="payout_inquiry", key="ip", rate=settings.RATELIMIT_PAYOUT_INQUIRY_IP, increment=True
    )
    return bool(by_user or by_ip)


@sensitive_post_parameters("account_number")
@applicant_required
def payout_account(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    if _card_or_dashboard(request, applicant) is None:
        return redirect("applicants:dashboard")
    current = PayoutAccount.objects.filter(applicant=applicant, status=PayoutAccountStatus.ACTIVE).first()
    form = PayoutAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _inquiries_exceeded(request):
        form.add_error(
            "account_number",
            _(
                "You have checked many account numbers today. Try again tomorrow; if you need help, "
                "file a complaint from your dashboard."
            ),
        )
    elif request.method == "POST" and form.is_valid():
        try:
            account = payout_account_start(
                applicant=applicant,
                channel=form.cleaned_data["channel"],
                account_number=form.cleaned_data["account_number"],
            )
        except ApplicantError as error:
            domain_error_on_form(form, error)
        else:
            return redirect("applicants:payout-account-confirm", account_id=account.pk)
    return render(request, "applicants/payout_account.html", {"form": form, "current": current})


@applicant_required
def payout_account_code(request: HttpRequest, applicant: Applicant, account_id: int) -> HttpResponse:
    account = get_object_or_404(
        PayoutAccount, pk=account_id, applicant=applicant, status=PayoutAccountStatus.AWAITING_CODE
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = payout_account_confirm(account=account, code=form.cleaned_data["code"])
        except ApplicantError as error:
            domain_error_on_form(form, error, fallback="code")
        else:
            if account.status == PayoutAccountStatus.ACTIVE:
                messages.success(request, _("Your account is linked. Incentives will be sent to it."))
            else:
                messages.info(
                    request,
                    _("The name on the account differs slightly from your ID card. A verifier will check it soon."),
                )
            return redirect("applicants:dashboard")
    return render(
        request,
        "applicants/payout_account_code.html",
        {"form": form, "account": account, "applicant": applicant},
    )


@require_POST
@applicant_required
def payout_account_code_resend(request: HttpRequest, applicant: Applicant, account_id: int) -> HttpResponse:
    account = get_object_or_404(
        PayoutAccount, pk=account_id, applicant=applicant, status=PayoutAccountStatus.AWAITING_CODE
    )
    try:
        payout_account_resend(account=account)
    except ApplicantError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("We sent a new code."))
    return redirect("applicants:payout-account-confirm", account_id=account.pk)


@applicant_required
def survey(request: HttpRequest, applicant: Applicant, number: int) -> HttpResponse:
    card = _card_or_dashboard(request, applicant)
    if card is None:
        return redirect("applicants:dashboard")
    survey = get_object_or_404(Survey.objects.prefetch_related("questions"), number=number)
    open_survey = survey_next(card=card)
    if open_survey is None or open_survey.pk != survey.pk:
        messages.info(request, _("This survey is not open for you."))
        return redirect("applicants:dashboard")
    form = survey_form(survey, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey_submit(card=card, survey=survey, answers=form.cleaned_data)
        except ApplicantError as error:
            domain_error_on_form(form, error)
        else:
            messages.success(request, _("Thank you. Your answers are recorded."))
            return redirect("applicants:dashboard")
    return render(request, "applicants/survey.html", {"form": form, "survey": survey})
