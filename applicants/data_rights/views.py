"""The applicant's personal data page: ask for a download of everything the portal holds
about them, and the download itself (signed link, for its owner only: anyone else gets 404)."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django_ratelimit.decorators import ratelimit

from applicants.data_rights.forms import CorrectionForm, DeleteAccountForm, RestrictionForm
from applicants.data_rights.selectors import account_deletable, my_data_overview
from applicants.data_rights.services import (
    DataRightsError,
    access_downloaded,
    access_from_token,
    access_request,
    account_delete,
    correction_request,
    restriction_request,
)
from applicants.models import Applicant
from applicants.registration.views import applicant_required
from prakerja.core.errors import domain_error_on_form
from prakerja.core.uploads import upload_limited_message, upload_rate_limited


@ratelimit(key="user", rate="10/d", method="POST", block=True)
@applicant_required
def my_data(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    if request.method == "POST" and request.POST.get("action") == "access":
        try:
            access_request(applicant=applicant)
        except DataRightsError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("We are preparing your data. The download link will come by email."))
        return redirect("applicants:my-data")
    context = {
        **my_data_overview(applicant=applicant),
        "delete_form": DeleteAccountForm(),
        "restriction_form": RestrictionForm(),
    }
    return render(request, "applicants/data_rights/my_data.html", context)


@ratelimit(key="user", rate="10/d", method="POST", block=True)
@applicant_required
def correction_new(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    form = CorrectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload_rate_limited(request):
        form.is_valid()
        form.add_error("evidence", upload_limited_message())
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            correction_request(
                applicant=applicant,
                field=data["field"],
                value=data["value"],
                explanation=data["explanation"],
                evidence=data["evidence"],
            )
        except DataRightsError as error:
            domain_error_on_form(form, error)
        else:
            messages.success(request, _("Your correction request is sent. A verifier will check it."))
            return redirect("applicants:my-data")
    return render(request, "applicants/data_rights/correction_new.html", {"form": form})


@login_required
def access_download(request: HttpRequest, token: str) -> FileResponse:
    access = access_from_token(token=token, user_id=request.user.pk)
    if access is None:
        raise Http404
    access_downloaded(access=access, request=request)
    response = FileResponse(
        access.export.open("rb"), as_attachment=True, filename="data-prakerja.zip", content_type="application/zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@ratelimit(key="user", rate="10/h", method="POST", block=True)
@sensitive_post_parameters("password")
@applicant_required
def account_delete_page(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_delete(applicant=applicant, password=form.cleaned_data["password"])
        except DataRightsError as error:
            domain_error_on_form(form, error)
        else:
            logout(request)
            messages.success(request, _("Your account and personal data are deleted."))
            return redirect("landing")
    return render(
        request,
        "applicants/data_rights/account_delete.html",
        {"form": form, "deletable": account_deletable(applicant=applicant)},
    )


@ratelimit(key="user", rate="10/d", method="POST", block=True)
@applicant_required
def restriction_new(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    form = RestrictionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            restriction_request(applicant=applicant, reason=form.cleaned_data["reason"])
        except DataRightsError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your request for restriction is recorded. We will answer by email."))
    return redirect("applicants:my-data")
