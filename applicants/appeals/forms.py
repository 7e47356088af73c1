from django import forms
from django.utils.translation import gettext_lazy as _

PHOTO = {"accept": "image/jpeg,image/png,image/webp"}
HELP = _("JPG, PNG or WEBP, at most 4 MB.")


class AppealForm(forms.Form):
    statement = forms.CharField(
        label=_("Why is the block a mistake?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text=_("Tell what happened in your own words. A verifier reads it."),
    )
    ktp_photo = forms.FileField(
        label=_("Photo of your ID card (KTP)"),
        widget=forms.ClearableFileInput(attrs={**PHOTO, "capture": "environment"}),
        help_text=HELP,
    )
    kk_photo = forms.FileField(
        label=_("Photo of your family card (KK)"),
        widget=forms.ClearableFileInput(attrs={**PHOTO, "capture": "environment"}),
        help_text=HELP,
    )
    selfie = forms.FileField(
        label=_("A selfie holding your ID card"),
        widget=forms.ClearableFileInput(attrs={**PHOTO, "capture": "user"}),
        help_text=HELP,
    )
