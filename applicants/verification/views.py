"""The selfie page (after the identity step) and the private selfie photo."""

from typing import cast

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from applicants.models import Applicant, IdentityVerification, Step, VerificationSource, VerificationStatus
from applicants.registration.selectors import ktp_photo_visible_to
from applicants.registration.views import applicant_required
from applicants.verification.forms import SelfieForm
from applicants.verification.selectors import verification_state
from applicants.verification.services import Selfie, VerificationError, identity_verify, selfie_challenge
from prakerja.core.crypto import decrypt_bytes
from prakerja.core.errors import domain_error_on_form
from prakerja.core.uploads import private_file_pk, upload_limited_message, upload_rate_limited


@applicant_required
@sensitive_post_parameters("birth_place")
def selfie(request: HttpRequest, applicant: Applicant) -> HttpResponse:
    if not applicant.has_reached(Step.CONTACT):
        return redirect("applicants:dashboard")
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
                    done = identity_verify(
                        applicant=applicant,
                        birth_place=form.cleaned_data["birth_place"],
                        selfie=Selfie(source=source, frames=data),
                        challenge=request.POST.get("challenge", ""),
                    )
                except VerificationError as error:
                    domain_error_on_form(form, error, fallback="photo")
                else:
                    if done.status == VerificationStatus.VERIFIED:
                        messages.success(request, _("Your identity is verified."))
                    return redirect("applicants:selfie")
            else:
                form.add_error("photo", _("Take a selfie with the camera, or choose a photo."))
    # A retry (or the first try) is shown with the challenge its burst must follow.
    challenge = selfie_challenge(applicant) if may_try else None
    return render(
        request,
        "applicants/verification/selfie.html",
        {"form": form, "state": state, "may_try": may_try, "applicant": applicant, "challenge": challenge},
    )


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
