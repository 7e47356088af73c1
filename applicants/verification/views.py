"""The selfie page (after the identity step), its checking page while an `identity` worker checks
the selfie, and the private selfie photo."""

from typing import cast
from uuid import UUID

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from applicants.models import Applicant, IdentityVerification, Step, VerificationSource, VerificationStatus
from applicants.registration.selectors import ktp_photo_visible_to
from applicants.registration.views import applicant_required
from applicants.verification import notices
from applicants.verification.forms import SelfieForm
from applicants.verification.selectors import verification_state
from applicants.verification.services import Selfie, VerificationError, identity_verify_queue, selfie_challenge
from prakerja.core.crypto import decrypt_bytes
from prakerja.core.errors import domain_error_on_form
from prakerja.core.uploads import private_file_pk, upload_limited_message, upload_rate_limited
from prakerja.identity.models import FaceJobKind, FaceJobStatus
from prakerja.identity.services import face_job_of, face_job_unfinished


@applicant_required
@sensitive_post_parameters("birth_place")
def selfie(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    if not applicant.has_reached(Step.CONTACT):
        return redirect("applicants:dashboard")
    waiting = face_job_unfinished(user_id=applicant.user_id, kind=FaceJobKind.SELFIE)
    if waiting is not None:  # back on the page while the selfie is being checked
        return redirect("applicants:selfie-checking", job_id=waiting.pk)
    state = verification_state(applicant)
    form = SelfieForm(request.POST or None, request.FILES or None, initial={"birth_place": applicant.birth_place})
    may_try = state.state in ("unverified", "retake", "rejected") and state.tries_left > 0
    if request.method == "POST" and may_try:
        frames = request.FILES.getlist("frames")
        if upload_rate_limited(request):
            form.is_valid()
            form.add_error("photo", upload_limited_message())
        elif form.is_valid():
            photo = form.cleaned_data.get("photo")
            if frames or photo is not None:
                source = VerificationSource.CAMERA if frames else VerificationSource.UPLOAD
                data = [f.read() for f in frames] if frames else [cast(UploadedFile, photo).read()]
                try:
                    job = identity_verify_queue(
                        applicant=applicant,
                        birth_place=form.cleaned_data["birth_place"],
                        selfie=Selfie(source=source, frames=data),
                        challenge=request.POST.get("challenge", ""),
                    )
                except VerificationError as error:
                    domain_error_on_form(form, error, fallback="photo")
                else:
                    return redirect("applicants:selfie-checking", job_id=job.pk)
            else:
                form.add_error("photo", _("Take a selfie with the camera, or choose a photo."))
    # A retry (or the first try) is shown with the challenge its burst must follow.
    challenge = selfie_challenge(applicant) if may_try else None
    return render(
        request,
        "applicants/verification/selfie.html",
        {"form": form, "state": state, "may_try": may_try, "applicant": applicant, "challenge": challenge},
    )


@applicant_required
def selfie_checking(request: HttpRequest, applicant: Applicant, job_id: UUID) -> HttpResponse:
    """While an `identity` worker checks the selfie: "Checking your photo…", the page polling
    the job's status every second (a refresh without script); then the selfie page's result."""
    job = face_job_of(job_id=str(job_id), user_id=applicant.user_id, kind=FaceJobKind.SELFIE)
    if job is None:
        raise Http404
    if not job.finished:
        return render(
            request,
            "applicants/verification/checking.html",
            {"job": job, "status_url": reverse("face-job-status", args=[job.pk])},
        )
    if job.status == FaceJobStatus.FAILED:
        error = job.result.get("error")
        messages.error(request, notices.UNAVAILABLE if error == "unavailable" else job.result.get("message", ""))
    elif job.result.get("status") == VerificationStatus.VERIFIED:
        messages.success(request, _("Your identity is verified."))
    return redirect("applicants:selfie")


def selfie_photo(request: HttpRequest, token: str) -> HttpResponse:
    """A selfie, decrypted for its owner and for staff allowed to view applicants only."""
    verification = get_object_or_404(
        IdentityVerification.objects.select_related("applicant"), pk=private_file_pk(kind="selfie", token=token)
    )
    if not verification.selfie or not ktp_photo_visible_to(applicant=verification.applicant, user=request.user):
        raise Http404
    with verification.selfie.open("rb") as stored:
        content = decrypt_bytes(stored.read())
    response = HttpResponse(content, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response
