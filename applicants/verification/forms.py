from django import forms
from django.utils.translation import gettext_lazy as _


class SelfieForm(forms.Form):
    birth_place = forms.CharField(
        label=_("Birth place (as on your KTP)"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # The camera's burst arrives as `frames` (several files, filled by the page's script); this
    # field is the fallback for phones that refuse the camera to the browser.
    photo = forms.ImageField(
        label=_("Or upload a selfie"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "user"}),
        help_text=_("Only if the camera does not work: a photo from a file is checked by a verifier."),
    )
