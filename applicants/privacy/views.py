"""Privacy pages: the notice in force, accepting a new version, the separate consents."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from applicants.models import Applicant
from applicants.privacy.forms import ConsentForm, NoticeAcceptForm
from applicants.privacy.selectors import consent_choices, notice_acceptance_needed, notice_current
from applicants.privacy.services import consent_set, notice_accept
from applicants.registration.views import applicant_required


def notice(request: HttpRequest) -> HttpResponse:
    current = notice_current()
    if current is None:
        raise Http404
    return render(request, "applicants/privacy_notice.html", {"notice": current})


@login_required
def notice_accept_view(request: HttpRequest) -> HttpResponse:
    applicant = Applicant.objects.select_related("user").filter(user_id=cast(int, request.user.pk)).first()
    if applicant is None:
        return redirect("admin:index") if request.user.is_staff else redirect("landing")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    pending = notice_acceptance_needed(applicant)
    if pending is None:
        return redirect(next_url or "applicants:dashboard")
    form = NoticeAcceptForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        notice_accept(applicant=applicant, notice=pending)
        messages.success(request, _("Thank you, your acceptance is recorded."))
        return redirect(next_url or "applicants:dashboard")
    return render(request, "applicants/privacy_accept.html", {"notice": pending, "form": form, "next": next_url})


@applicant_required
def privacy_settings(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    form = ConsentForm(request.POST if request.method == "POST" else None, initial=consent_choices(applicant))
    if request.method == "POST" and form.is_valid():
        for purpose, granted in form.cleaned_data.items():
            consent_set(applicant=applicant, purpose=purpose, granted=bool(granted))
        messages.success(request, _("Your privacy choices are saved."))
        return redirect("applicants:privacy")
    return render(request, "applicants/privacy.html", {"form": form, "notice": notice_current()})
