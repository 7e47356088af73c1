"""The public application form for platforms (no login), throttled per address."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_ratelimit.decorators import ratelimit

from applicants.models import Province
from partners.models import STANDARD_TERMS_VERSION, PlatformApplication
from partners.onboarding.services.applications import application_submit, coverage_needed


class ApplicationForm(forms.ModelForm[PlatformApplication]):
    website = forms.URLField(label=_("Website"), assume_scheme="https")
    provinces = forms.ModelMultipleChoiceField(
        label=_("Provinces where the platform has users"),
        queryset=Province.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )
    terms_accepted = forms.BooleanField(
        label=_("We accept the standard terms of cooperation as they stand."), required=False
    )

    class Meta:
        model = PlatformApplication
        fields = (
            "company_name",
            "platform_name",
            "website",
            "business_id_number",
            "tax_number",
            "contact_name",
            "contact_email",
            "contact_phone",
            "can_integrate_payment",
        )
        labels = {"can_integrate_payment": _("We can integrate Kartu Prakerja as a payment method.")}


@ratelimit(key="ip", rate="10/h", method="POST", block=True)
def apply(request: HttpRequest) -> HttpResponse:
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ApplicationForm.Meta.fields}
        application = application_submit(
            data=data, provinces=form.cleaned_data["provinces"], terms_accepted=form.cleaned_data["terms_accepted"]
        )
        return render(request, "partners/apply_done.html", {"application": application})
    return render(
        request,
        "partners/apply.html",
        {"form": form, "needed": coverage_needed(), "terms_version": STANDARD_TERMS_VERSION},
    )
