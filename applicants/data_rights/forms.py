"""The forms of the applicant's personal data page."""

from django import forms
from django.utils.translation import gettext_lazy

from applicants.data_rights.models import CorrectableField


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(label=gettext_lazy("What is wrong?"), choices=[("", "—"), *CorrectableField.choices])
    value = forms.CharField(
        label=gettext_lazy("The correct value"),
        max_length=150,
        help_text=gettext_lazy("As written on your ID card. A date as day-month-year, e.g. 17-05-1995."),
    )
    explanation = forms.CharField(
        label=gettext_lazy("Explanation"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    evidence = forms.FileField(
        label=gettext_lazy("Photo of the evidence (ID card or family card)"),
        help_text=gettext_lazy("JPG, PNG or WEBP, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=gettext_lazy("Your password"), widget=forms.PasswordInput, strip=False)


class RestrictionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What should we stop doing with your data? (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
