"""The page where an applicant joins an open wave."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from applicants.errors import ApplicantError
from applicants.models import Applicant, Wave
from applicants.registration.views import applicant_required
from applicants.waves.forms import WaveJoinForm
from applicants.waves.selectors import applicant_blocked_reason
from applicants.waves.services.waves import wave_join
from prakerja.core.errors import domain_error_on_form


@applicant_required
def wave_join_page(request: HttpRequest, applicant: Applicant, number: int) -> HttpResponse:
    wave = get_object_or_404(Wave.objects.select_related("scheme"), number=number)
    form = WaveJoinForm(request.POST or None, initial={"province": applicant.province_id})
    if request.method == "POST" and form.is_valid():
        try:
            wave_join(
                applicant=applicant,
                wave=wave,
                province=form.cleaned_data["province"],
                statements_accepted=form.statements_accepted(),
            )
        except ApplicantError as error:
            domain_error_on_form(form, error)
        else:
            messages.success(
                request,
                _("You joined wave %(number)s. We will tell you the result after the wave closes.")
                % {"number": wave.number},
            )
            return redirect("applicants:dashboard")
    blocked = applicant_blocked_reason(applicant)
    return render(request, "applicants/wave_join.html", {"wave": wave, "form": form, "blocked": blocked})
