"""Finding people by NIK in the admin without the NIK in a URL.

An admin search is a GET (`?q=...`): the 16 digits would land in the access log, the browser's
history, every proxy's log and, through exports' audited filters, the append-only audit trail.
The NIK is therefore typed into a POST form beside the search box; the view answers with a
redirect to the list filtered by the NIK's blind index (`?nik=<token>`, a keyed HMAC that tells
nothing without the key). A NIK typed into the ordinary search box is not searched."""

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import URLPattern, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from applicants.registration.nik import normalise_nik
from applicants.registration.services.identity import nik_blind_index
from prakerja.core.admin_base import screen_path

NIK_PARAMETER = "nik"


def looks_like_nik(term: str) -> bool:
    digits = normalise_nik(term)
    return len(digits) == 16 and digits.isdigit()


class NikSearchForm(forms.Form):
    nik = forms.CharField(label=_("Exact NIK"), max_length=40)

    def clean_nik(self) -> str:
        value = str(self.cleaned_data["nik"])
        if not looks_like_nik(value):
            raise forms.ValidationError(_("A NIK has 16 digits."))
        return normalise_nik(value)


class NikTokenFilter(admin.SimpleListFilter):
    """Applies `?nik=<blind index>` set by the NIK form; shown among the filters only while in
    use (Django applies only the filters it shows)."""

    title = "NIK"
    parameter_name = NIK_PARAMETER

    def __init__(self, request: HttpRequest, params: Any, model: Any, model_admin: Any) -> None:
        self.nik_path: str = model_admin.nik_path
        super().__init__(request, params, model, model_admin)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        token = request.GET.get(NIK_PARAMETER)
        return [(token, str(_("The NIK searched for")))] if token else []

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        token = self.value()
        return queryset.filter(**{self.nik_path: token}) if token else queryset


class NikLookupMixin:
    """For a ModelAdmin whose rows are found by a person's NIK: `nik_path` is the ORM path to
    the blind index. Adds the POST form above the list and the `?nik=` filter."""

    nik_path = ""
    change_list_template: ClassVar[Any] = "admin/nik_search_change_list.html"
    # The list template this one extends (an export button's, or Django's).
    nik_parent_template = "admin/change_list.html"

    def get_list_filter(self, request: HttpRequest) -> Any:
        return (*super().get_list_filter(request), NikTokenFilter)  # type: ignore[misc]

    def get_urls(self) -> list[URLPattern]:
        model_admin: admin.ModelAdmin[Any] = self  # type: ignore[assignment]
        return [screen_path(model_admin, "nik-search/", self.nik_search_view, "nik_search"), *super().get_urls()]  # type: ignore[misc]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        model_admin: admin.ModelAdmin[Any] = self  # type: ignore[assignment]
        info = model_admin.opts.app_label, model_admin.opts.model_name
        context = {
            "nik_search_url": reverse("admin:{}_{}_nik_search".format(*info)),
            "nik_search_form": NikSearchForm(),
            "nik_search_active": bool(request.GET.get(NIK_PARAMETER)),
            "nik_parent_template": self.nik_parent_template,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)  # type: ignore[misc]

    def nik_search_view(self, request: HttpRequest) -> HttpResponseRedirect:
        model_admin: admin.ModelAdmin[Any] = self  # type: ignore[assignment]
        info = model_admin.opts.app_label, model_admin.opts.model_name
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        if request.method != "POST" or not model_admin.has_view_permission(request):
            return HttpResponseRedirect(changelist)
        form = NikSearchForm(request.POST)
        if not form.is_valid():
            model_admin.message_user(request, " ".join(str(error) for error in form.errors["nik"]), messages.ERROR)
            return HttpResponseRedirect(changelist)
        token = nik_blind_index(form.cleaned_data["nik"])
        return HttpResponseRedirect(f"{changelist}?{urlencode({NIK_PARAMETER: token})}")

    def nik_in_search_box(self, request: HttpRequest) -> None:
        """A NIK typed into the GET search box: not searched, and the officer is told why."""
        model_admin: admin.ModelAdmin[Any] = self  # type: ignore[assignment]
        model_admin.message_user(
            request,
            _("NIKs are searched with the 'Exact NIK' form, so that they never appear in a web address."),
            messages.WARNING,
        )
