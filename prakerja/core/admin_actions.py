"""Admin actions that need a reason (or other input) before they act: one confirmation page,
`admin/action_with_reason.html`, which lists the chosen objects and re-posts the action."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from prakerja.core.actor import Actor
from prakerja.core.admin_base import domain_errors_reported


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


def action_form_or_page(
    request: HttpRequest,
    model_admin: admin.ModelAdmin[Any],
    queryset: QuerySet[Any],
    *,
    title: str,
    form_class: type[forms.Form] = ReasonForm,
) -> forms.Form | HttpResponse:
    """The valid form once the page was confirmed, else the page asking for it."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        return form
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "queryset": queryset,
        "action": request.POST.get("action"),
        "opts": model_admin.model._meta,
    }
    return render(request, "admin/action_with_reason.html", context)


def decide_each(
    model_admin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    title: str,
    decide: Callable[[Any, str, Actor], Any],
    form_class: type[forms.Form] = ReasonForm,
    then: Callable[[Any, Any], None] | None = None,
) -> HttpResponse | None:
    """An admin action that decides each chosen object with one reason: the confirmation page
    first, then `decide(obj, reason, actor)` for each, every refusal reported beside its object
    (the others go on); `then(obj, result)` after each one that succeeded."""
    form = action_form_or_page(request, model_admin, queryset, title=title, form_class=form_class)
    if isinstance(form, HttpResponse):
        return form
    actor = Actor.for_request(request)
    for obj in queryset:
        with domain_errors_reported(model_admin, request, about=obj) as outcome:
            result = decide(obj, form.cleaned_data["reason"], actor)
        if outcome.ok and then is not None:
            then(obj, result)
    return None
