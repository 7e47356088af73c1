"""Participant pages for incentives: the dashboard panel, linking a payout account, surveys."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from applicants.dashboard import Panel
from applicants.errors import ApplicantError
from applicants.forms import CodeForm
from applicants.models import (
    LIVE_CLAWBACK_STATUSES,
    Applicant,
    Card,
    Clawback,
    Entitlement,
    Instalment,
    InstalmentKind,
    InstalmentStatus,
    Payout,
    PayoutAccount,
    PayoutAccountStatus,
    PayoutStatus,
    Survey,
)
from applicants.services.clawbacks import REPAY_TO
from applicants.services.incentives import survey_next, survey_submit
from applicants.services.payout_accounts import payout_account_confirm, payout_account_resend, payout_account_start
from applicants.views import _form_error, applicant_required
from prakerja.core.formatting import rupiah
from prakerja.payments.providers import PayoutChannel, failure_reason, mask_account_number

SENDING = (PayoutStatus.CREATED, PayoutStatus.PENDING, PayoutStatus.UNKNOWN)


@dataclass(frozen=True)
class InstalmentRow:
    instalment: Instalment
    state: str  # for styling and tests
    words: str
    action: bool = False  # the participant should change the account


def _row(instalment: Instalment, payout: Payout | None) -> InstalmentRow:
    day = formats.date_format(instalment.due_on, "j F Y")
    if instalment.status == InstalmentStatus.PAID and payout is not None:
        paid_at = payout.settled_at or instalment.paid_at
        paid = formats.date_format(paid_at, "j F Y") if paid_at else ""
        words = _("Paid on %(day)s to %(account)s.") % {"day": paid, "account": _account_words(payout)}
        return InstalmentRow(instalment, "paid", words)
    if instalment.status == InstalmentStatus.RETURNED:
        return InstalmentRow(instalment, "returned", _("Not paid: the programme's payment deadline has passed."))
    if instalment.status == InstalmentStatus.SCHEDULED:
        return InstalmentRow(instalment, "scheduled", _("Scheduled for %(day)s.") % {"day": day})
    if payout is not None and payout.status in SENDING:
        words = _("Being transferred to %(account)s. Transfers take 3 to 5 working days.") % {
            "account": _account_words(payout)
        }
        return InstalmentRow(instalment, "sending", words)
    if instalment.held_reason:
        # The reason from the provider's code, in the page's language (the stored text is in the
        # language of the worker that recorded it).
        reason = (
            failure_reason(payout.response_code)
            if payout is not None and payout.status == PayoutStatus.FAILED
            else instalment.held_reason
        )
        words = _("The transfer failed: %(reason)s Change your account and we will send it again.") % {"reason": reason}
        return InstalmentRow(instalment, "failed", words, action=True)
    if payout is not None and payout.status == PayoutStatus.REVERSED:
        words = _("The bank returned the transfer. We will send it again; check that your account is still open.")
        return InstalmentRow(instalment, "reversed", words, action=True)
    return InstalmentRow(instalment, "due", _("Due: it will be sent in the next transfer run."))


def _account_words(payout: Payout) -> str:
    return f"{PayoutChannel(payout.channel).label} {mask_account_number(payout.account_number)}"


def incentive_overview(card: Card) -> dict[str, Any]:
    """What the participant sees about incentives: the next step, the account, each instalment."""
    entitlement = Entitlement.objects.filter(card=card).first()
    accounts = list(
        PayoutAccount.objects.filter(
            applicant_id=card.applicant_id,
            status__in=[PayoutAccountStatus.ACTIVE, PayoutAccountStatus.AWAITING_REVIEW],
        )
    )
    active = next((a for a in accounts if a.status == PayoutAccountStatus.ACTIVE), None)
    in_review = next((a for a in accounts if a.status == PayoutAccountStatus.AWAITING_REVIEW), None)
    instalments = list(Instalment.objects.filter(card=card).order_by("kind", "number"))
    latest: dict[int, Payout] = {}
    for payout in Payout.objects.filter(instalment__in=instalments).order_by("id"):
        latest[payout.instalment_id] = payout
    rows = [_row(i, latest.get(i.pk)) for i in instalments]
    if entitlement is None or entitlement.completed_at is None:
        step = "complete"
    elif entitlement.reviewed_at is None:
        step = "review"
    elif active is None:
        step = "review_account" if in_review else "account"
    else:
        step = "scheduled"
    return {
        "step": step,
        "account": active,
        "account_in_review": in_review,
        "post_training": [r for r in rows if r.instalment.kind == InstalmentKind.POST_TRAINING],
        "surveys": [r for r in rows if r.instalment.kind == InstalmentKind.SURVEY],
        "survey": survey_next(card=card),
        "needs_new_account": any(r.action for r in rows),
    }


def incentives_panel(applicant: Applicant) -> Panel | None:
    card = Card.objects.filter(applicant=applicant).first()
    if card is None:
        return None
    return Panel(template="applicants/_incentives_panel.html", context=incentive_overview(card), order=200)


class PayoutAccountForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Bank or e-wallet"), choices=PayoutChannel.choices)
    account_number = forms.CharField(
        label=gettext_lazy("Account number, or the e-wallet's mobile number"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


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
            _form_error(form, error)
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
            form.add_error("code", error.message)
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


def _survey_form(survey: Survey, data: Any = None) -> forms.Form:
    form = forms.Form(data)
    for question in survey.questions.all():
        if question.choice_list:
            form.fields[str(question.pk)] = forms.ChoiceField(
                label=question.text, choices=[(c, c) for c in question.choice_list], widget=forms.RadioSelect
            )
        else:
            form.fields[str(question.pk)] = forms.CharField(label=question.text, widget=forms.Textarea, max_length=2000)
    return form


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
    form = _survey_form(survey, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey_submit(card=card, survey=survey, answers=form.cleaned_data)
        except ApplicantError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you. Your answers are recorded."))
            return redirect("applicants:dashboard")
    return render(request, "applicants/survey.html", {"form": form, "survey": survey})


def clawback_panel(applicant: Applicant) -> Panel | None:
    """A live clawback case: what is owed, by when, and how to pay (shown first)."""
    case = (
        Clawback.objects.filter(applicant=applicant, status__in=LIVE_CLAWBACK_STATUSES).order_by("-opened_at").first()
    )
    if case is None:
        return None
    context = {
        "case": case,
        "outstanding": rupiah(case.outstanding),
        "amount": rupiah(case.amount),
        "repaid": rupiah(case.repaid_amount),
        "pay_to": REPAY_TO.format(reference=case.reference),
    }
    return Panel(template="applicants/_clawback_panel.html", context=context, order=10)
