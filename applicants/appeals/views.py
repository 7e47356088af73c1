"""The blocked person's side: the dashboard panel (reason, appeal, decision) and the appeal page."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from applicants.appeals.forms import AppealForm
from applicants.appeals.selectors import applicant_block
from applicants.appeals.services import AppealError, appeal_submit
from applicants.dashboard import Panel
from applicants.models import Applicant
from applicants.registration.views import applicant_required
from prakerja.core.errors import domain_error_on_form
from prakerja.core.uploads import upload_limited_message, upload_rate_limited


def block_panel(applicant: Applicant) -> Panel | None:
    """Shown first: why the person is blocked, and the appeal (to make, waiting, decided)."""
    view = applicant_block(applicant)
    if view is None:
        return None
    return Panel(template="applicants/_block_panel.html", context={"view": view}, order=5)


@applicant_required
def appeal(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    view = applicant_block(applicant)
    if view is None or not view.may_appeal or view.block.status != "active":
        return redirect("applicants:dashboard")
    form = AppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload_rate_limited(request):
        form.is_valid()
        form.add_error(None, upload_limited_message())
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appeal_submit(
                applicant=applicant,
                statement=data["statement"],
                ktp_photo=data["ktp_photo"],
                kk_photo=data["kk_photo"],
                selfie=data["selfie"],
            )
        except AppealError as error:
            domain_error_on_form(form, error)
        else:
            messages.success(request, _("Your appeal has been sent. A verifier decides it; the result appears here."))
            return redirect("applicants:dashboard")
    return render(request, "applicants/appeal.html", {"form": form, "view": view, "applicant": applicant})
