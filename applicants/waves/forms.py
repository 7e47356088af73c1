"""The form for joining a wave (the province of domicile it is counted in)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from applicants.models import Province


class WaveJoinForm(forms.Form):
    province = forms.ModelChoiceField(
        label=_("Province of domicile"),
        queryset=Province.objects.order_by("name"),
        help_text=_("Where you live now; places are shared out by province."),
    )
    statement_not_excluded = forms.BooleanField(
        label=_(
            "I am not a civil servant, soldier, police officer, village official, state official, member of "
            "parliament, director of a state company, or a student in formal education."
        ),
        required=False,
    )
    statement_true = forms.BooleanField(
        label=_("The data I gave are true. I accept that a card obtained with false data is revoked and repaid."),
        required=False,
    )
    statement_rules = forms.BooleanField(
        label=_("I will buy my first course within the time given, or my card is revoked."),
        required=False,
    )

    def statements_accepted(self) -> bool:
        data = self.cleaned_data
        return bool(data["statement_not_excluded"] and data["statement_true"] and data["statement_rules"])
