"""Forms validate shape and show errors next to fields; the rules live in services."""

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from applicants.models import EducationLevel, EmploymentStatus, MaritalStatus, Province, Regency, TrainingInterest
from prakerja.accounts.models import User
from prakerja.core.widgets import FastSelect
from prakerja.messaging.services import email_send_after_commit


class RegisterForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not only numbers, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    terms = forms.BooleanField(label=_("I have read and accept the terms and the privacy notice."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["terms"].help_text = format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("applicants:privacy-notice"),
            _("Read the privacy notice"),
        )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(_("This email address is already registered. Log in or reset your password."))
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif password1:
            try:
                password_validation.validate_password(password1, User(email=data.get("email", "")))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Sends the reset email through the email task, after commit, like every other email."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from django.template import loader

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        email_send_after_commit(
            to=to_email, subject=subject, body=body, reference=f"password-reset:{context['uid']}:{context['token']}"
        )


class IdentityForm(forms.Form):
    nik = forms.CharField(
        label=_("NIK (national ID number)"),
        max_length=24,
        help_text=_("16 digits, on your ID card (KTP) or family card."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    kk_number = forms.CharField(
        label=_("Family card (KK) number"),
        max_length=24,
        help_text=_("16 digits, at the top of your family card."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    full_name = forms.CharField(label=_("Full name as on your ID card"), max_length=150)
    birth_date = forms.DateField(
        label=_("Birth date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("We send a 6-digit code to this number."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "0812 3456 7890"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
    )


def regency_choices() -> list[tuple[str, Any]]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for code, name, province in Regency.objects.order_by("province__name", "name").values_list(
        "code", "name", "province__name"
    ):
        grouped.setdefault(province, []).append((code, name))
    return [("", "—"), *grouped.items()]


class PersonalForm(forms.Form):
    address = forms.CharField(label=_("Address of domicile"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500)
    province = forms.ModelChoiceField(label=_("Province of domicile"), queryset=Province.objects.all())
    regency = forms.ChoiceField(label=_("Regency or city of domicile"), choices=(), widget=FastSelect)
    education = forms.ChoiceField(label=_("Highest education"), choices=EducationLevel.choices)
    marital_status = forms.ChoiceField(label=_("Marital status"), choices=MaritalStatus.choices)
    dependants = forms.IntegerField(label=_("Number of dependants"), min_value=0, max_value=30)
    employment_status = forms.ChoiceField(label=_("Employment status"), choices=EmploymentStatus.choices)
    training_interests = forms.MultipleChoiceField(
        label=_("Training interests"), choices=TrainingInterest.choices, widget=forms.CheckboxSelectMultiple
    )
    ktp_photo = forms.FileField(
        label=_("Photo of your ID card (KTP)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}),
        help_text=_("JPG, PNG or WEBP, at most 4 MB. All text on the card must be readable."),
    )
    honesty_declared = forms.BooleanField(
        label=_(
            "I declare that all the data I gave is true. I understand that false data cancels my "
            "participation and that money received must be returned."
        )
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regency_field = self.fields["regency"]
        assert isinstance(regency_field, forms.ChoiceField)
        regency_field.choices = regency_choices()

    def clean_regency(self) -> Regency:
        regency = Regency.objects.filter(code=self.cleaned_data["regency"]).first()
        if regency is None:
            raise forms.ValidationError(_("Choose your regency or city."))
        return regency
