from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from applicants.privacy.models import ConsentPurpose


class NoticeAcceptForm(forms.Form):
    accept = forms.BooleanField(label=_("I have read and accept this privacy notice."))


class ConsentForm(forms.Form):
    """One optional tick per purpose that needs its own consent; untick to withdraw."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for purpose in ConsentPurpose:
            self.fields[purpose.value] = forms.BooleanField(label=purpose.label, required=False)
