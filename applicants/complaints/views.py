"""Applicants' complaint pages: their complaints with status and replies, filing a new one,
adding to an open one; the attachment served only to its owner and to staff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django_ratelimit.decorators import ratelimit

from applicants.complaints.forms import ComplaintForm, MessageForm
from applicants.complaints.selectors import complaint_attachment_url, complaint_attachment_visible_to
from applicants.complaints.services import complaint_applicant_message, complaint_file
from applicants.errors import ApplicantError
from applicants.models import Applicant, Complaint, ComplaintStatus
from applicants.registration.views import applicant_required
from prakerja.core.errors import domain_error_on_form
from prakerja.core.uploads import private_file_pk, private_image_response, upload_limited_message, upload_rate_limited


@applicant_required
def complaint_list(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    complaints = Complaint.objects.filter(applicant=applicant).order_by("-created_at")[:100]
    return render(request, "applicants/complaints.html", {"complaints": complaints})


@ratelimit(key="user", rate="10/d", method="POST", block=True)
@applicant_required
def complaint_new(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    form = ComplaintForm(request.POST or None, request.FILES or None, applicant=applicant)
    if request.method == "POST" and upload_rate_limited(request):
        form.is_valid()
        form.add_error("attachment", upload_limited_message())
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = complaint_file(
                applicant=applicant,
                category=data["category"],
                subject=data["subject"],
                body=data["body"],
                purchase_ref=data.get("purchase_ref") or "",
                platform_id=data.get("platform_id"),
                payout_id=data.get("payout_id"),
                attachment=data.get("attachment"),
            )
        except ApplicantError as error:
            domain_error_on_form(form, error)
        else:
            messages.success(request, _("Your complaint is filed. We will answer here and by email."))
            return redirect("applicants:complaint", complaint_id=complaint.pk)
    return render(request, "applicants/complaint_new.html", {"form": form})


@ratelimit(key="user", rate="30/h", method="POST", block=True)
@applicant_required
def complaint_detail(request: HttpRequest, applicant: Applicant, complaint_id: int) -> HttpResponse:
    complaint = get_object_or_404(Complaint, pk=complaint_id, applicant=applicant)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            complaint_applicant_message(complaint=complaint, applicant=applicant, body=form.cleaned_data["body"])
        except ApplicantError as error:
            domain_error_on_form(form, error)
        else:
            messages.success(request, _("Your message is added."))
            return redirect("applicants:complaint", complaint_id=complaint.pk)
    thread = complaint.messages.filter(internal=False).order_by("created_at", "id")
    return render(
        request,
        "applicants/complaint_detail.html",
        {
            "complaint": complaint,
            "attachment_url": complaint_attachment_url(complaint=complaint) if complaint.attachment else None,
            "thread": thread,
            "form": form if complaint.status != ComplaintStatus.RESOLVED else None,
        },
    )


@login_required
def complaint_attachment(request: HttpRequest, token: str) -> FileResponse:
    complaint = get_object_or_404(
        Complaint.objects.select_related("applicant"), pk=private_file_pk(kind="complaint-attachment", token=token)
    )
    if not complaint_attachment_visible_to(complaint=complaint, user=request.user) or not complaint.attachment:
        raise Http404
    return private_image_response(complaint.attachment)
