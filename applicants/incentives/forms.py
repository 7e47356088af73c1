"""The forms of the incentive pages: a payout account, a survey's questions."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from applicants.incentives.models import Survey
from prakerja.payments.providers import PayoutChannel


class PayoutAccountForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Bank or e-wallet"), choices=PayoutChannel.choices)
    account_number = forms.CharField(
        label=gettext_lazy("Account number, or the e-wallet's mobile number"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def survey_form(survey: Survey, data: Any = None) -> forms.Form:
    """A form with one field per question of the survey (a choice or free text)."""
    form = forms.Form(data)
    for question in survey.questions.all():
        if question.choice_list:
            form.fields[str(question.pk)] = forms.ChoiceField(
                label=question.text, choices=[(c, c) for c in question.choice_list], widget=forms.RadioSelect
            )
        else:
            form.fields[str(question.pk)] = forms.CharField(label=question.text, widget=forms.Textarea, max_length=2000)
    return form
