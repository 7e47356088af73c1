"""Applicants' complaint pages: their complaints with status and replies, filing a new one,
adding to an open one; the attachment served only to its owner and to staff."""

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ratelimit.decorators import ratelimit

from applicants.errors import ApplicantError
from applicants.models import Applicant, Complaint, ComplaintCategory, ComplaintStatus, Payout
from applicants.selectors import complaint_attachment_url, complaint_attachment_visible_to
from applicants.services.complaints import complaint_applicant_message, complaint_file, complaint_subjects
from applicants.views import _form_error, applicant_required
from prakerja.core.formatting import rupiah
from prakerja.core.uploads import private_file_pk, private_image_response, upload_limited_message, upload_rate_limited


class ComplaintForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("What is it about?"), choices=[("", "—"), *ComplaintCategory.choices]
    )
    purchase_ref = forms.ChoiceField(label=gettext_lazy("The purchase concerned"), required=False)
    platform_id = forms.TypedChoiceField(
        label=gettext_lazy("The digital platform concerned"), required=False, coerce=int, empty_value=None
    )
    payout_id = forms.TypedChoiceField(
        label=gettext_lazy("The incentive transfer concerned"), required=False, coerce=int, empty_value=None
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("What happened?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text=gettext_lazy("Dates, amounts and what you already tried help us answer faster."),
    )
    attachment = forms.FileField(
        label=gettext_lazy("Photo or screenshot (optional)"),
        required=False,
        help_text=gettext_lazy("JPG, PNG or WEBP, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args: Any, applicant: Applicant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        subjects = complaint_subjects(applicant)
        payouts = Payout.objects.filter(instalment__card__applicant=applicant).order_by("-id")[:20]
        choices: dict[str, list[tuple[Any, str]]] = {
            "purchase_ref": [(p.reference, p.label) for p in subjects.purchases],
            "platform_id": list(subjects.platforms),
            "payout_id": [
                (p.pk, f"{p.created_at:%d-%m-%Y} · {rupiah(p.amount)} · {p.get_status_display()}") for p in payouts
            ],
        }
        for name, options in choices.items():
            if options:
                cast(forms.ChoiceField, self.fields[name]).choices = [("", _("None / not about one")), *options]
            else:
                # Nothing to choose from: the field is left out instead of showing an empty list.
                del self.fields[name]


class MessageForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Add a message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


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
            _form_error(form, error)
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
            _form_error(form, error)
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
