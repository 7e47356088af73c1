"""The bases and helpers every app's admin screens share.

- `ReadOnlyAdmin`: a screen that shows rows services write (ledger, audit trail, logs).
- `domain_errors_reported`: runs a service call and tells the admin user the `DomainError` it
  raised (a message, or an error on the form), instead of an `except ...Error` block per screen.
- `secret_shown_once`: shows a new credential (API key, signing secret, signing key) in the
  confirmation message, the only time the portal can show it.
- `ServiceAddMixin`: an "add" page that calls a service rather than saving a model form."""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from prakerja.core.errors import DomainError, domain_error_on_form


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Rows written only by services: the admin shows them, nobody adds, edits or deletes."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@dataclass
class Outcome:
    """What `domain_errors_reported` saw: `ok` unless the service refused (`error`)."""

    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def domain_errors_reported(
    modeladmin: admin.ModelAdmin[Any] | None,
    request: HttpRequest,
    *,
    about: object = None,
    form: forms.BaseForm | None = None,
    fallback: str | None = None,
) -> Iterator[Outcome]:
    """Run the block; a `DomainError` it raises is reported and swallowed:

        with domain_errors_reported(self, request, about=partner) as outcome:
            partner_status_change(partner=partner, to=to, reason=reason, actor=Actor.for_request(request))
        if outcome.ok:
            self.message_user(request, _("%(partner)s: status changed.") % {"partner": partner})

    With `form`, the message becomes an error on the error's field (else on `fallback`, a field
    of the form, or the whole form);
    otherwise an error message to the user, prefixed with `about` ("<partner>: ...")."""
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as error:
        outcome.error = error
        if form is not None:
            domain_error_on_form(form, error, fallback=fallback)
        else:
            text = f"{about}: {error.message}" if about is not None else error.message
            if modeladmin is not None:
                modeladmin.message_user(request, text, messages.ERROR)
            else:
                messages.error(request, text)


def secret_shown_once(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    *,
    secrets: Sequence[tuple[str, str]],
    about: object = None,
) -> None:
    """Show new credentials (label, value) once, with the warning to copy them now; the portal
    keeps only their hash or ciphertext afterwards."""
    parts = format_html_join(" · ", "{} <code>{}</code>", ((label, value) for label, value in secrets))
    prefix = format_html("{}: ", about) if about is not None else ""
    modeladmin.message_user(
        request,
        format_html("{}{}<br>{}", prefix, parts, _("Copy it now: it is not shown again.")),
        messages.WARNING,
    )


def screen_path(modeladmin: admin.ModelAdmin[Any], route: str, view: Callable[..., Any], suffix: str) -> URLPattern:
    """An extra URL of an admin screen (a mixin's or the screen's own), behind the admin's
    login and named like Django's own: `admin:<app>_<model>_<suffix>`."""
    opts = modeladmin.opts
    return path(route, modeladmin.admin_site.admin_view(view), name=f"{opts.app_label}_{opts.model_name}_{suffix}")


class ServiceAddMixin:
    """An admin "add" page that calls a service instead of saving a model form: the form
    (`add_form`), its page (`add_template`, titled `add_title`), the add permission checked, the
    form's errors and the service's refusals shown on it. `add_perform(request, form)` calls the
    service and returns the answer on success (usually a redirect), or None to show the form
    again; a `DomainError` it raises lands on the form's fields."""

    add_title: Any = ""
    add_template = ""

    def add_form(self, request: HttpRequest) -> forms.Form:
        raise NotImplementedError

    def add_perform(self, request: HttpRequest, form: Any) -> HttpResponse | None:
        raise NotImplementedError

    def add_context(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        model_admin = cast("admin.ModelAdmin[Any]", self)
        if not model_admin.has_add_permission(request):
            raise PermissionDenied
        form = self.add_form(request)
        if request.method == "POST" and form.is_valid():
            answer: HttpResponse | None = None
            with domain_errors_reported(model_admin, request, form=form):
                answer = self.add_perform(request, form)
            if answer is not None:
                return answer
        context = {
            **model_admin.admin_site.each_context(request),
            "title": self.add_title,
            "form": form,
            "opts": model_admin.model._meta,
            **self.add_context(request),
        }
        return TemplateResponse(request, self.add_template, context)
