"""The forms of the applicants' complaint pages: filing a complaint, writing a message."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applicants.complaints.services import complaint_subjects
from applicants.disbursement.models import Payout
from applicants.models import Applicant, ComplaintCategory
from prakerja.core.formatting import rupiah


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
