"""Two-factor login for staff (TOTP, django-otp). With STAFF_2FA_REQUIRED, a staff user who
logged in with a password reaches the admin only after a code from an authenticator app; a
staff user without a device enrols first (QR code and key, confirmed by a first code). Codes
are throttled per user; enrolment, success and failure are audited.

The second factor is enforced where access is decided, not by URL: the admin site's
`has_permission` (StaffAdminSite, installed by
`prakerja.accounts.apps.StaffAdminConfig`) and every staff page outside
the admin (`staff_second_factor_passed`). The middleware only sends an unverified staff user
to the code page early, by `path_info` (what routing sees; `path` carries the script prefix)."""

import base64
from collections.abc import Callable
from typing import cast
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_ratelimit.decorators import ratelimit

from prakerja.accounts.models import User
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor

PATH = "/admin/2fa/"
OPEN_PATHS = (PATH, "/admin/login/", "/admin/logout/")


def staff_second_factor_passed(*, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether this (request's) user may use staff pages as far as the second factor goes:
    always when STAFF_2FA_REQUIRED is off, otherwise only a session verified by django-otp."""
    if not settings.STAFF_2FA_REQUIRED:
        return True
    is_verified = getattr(user, "is_verified", None)  # set on request.user by OTPMiddleware
    return bool(user.is_authenticated and is_verified is not None and is_verified())


def _code_page(next_path: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(PATH + "?" + urlencode({"next": next_path}))


class StaffAdminSite(admin.AdminSite):
    """The admin, open to active staff whose session passed the second factor when required."""

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and staff_second_factor_passed(user=request.user)

    def login(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        # A staff user with a password-only session is sent on to the code, not asked to log in again.
        user = request.user
        if request.method == "GET" and user.is_active and user.is_staff and not staff_second_factor_passed(user=user):
            return _code_page(_next(request))
        return super().login(request, extra_context)


class StaffTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.STAFF_2FA_REQUIRED
            and request.path_info.startswith("/admin/")
            and not request.path_info.startswith(OPEN_PATHS)
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and not staff_second_factor_passed(user=user)
        ):
            return _code_page(request.get_full_path())
        return self.get_response(request)


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("6-digit code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )


def _next(request: HttpRequest) -> str:
    target = request.GET.get("next", "/admin/")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) and target.startswith("/admin/"):
        return target
    return "/admin/"


@login_required(login_url="/admin/login/")
@ratelimit(key="user", rate="10/15m", method="POST", block=True)
def verify(request: HttpRequest) -> HttpResponse:
    """Enter a code; a staff user without a confirmed device enrols first."""
    user = cast(User, request.user)
    if not user.is_staff:
        return HttpResponseRedirect("/")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if device is None:
        device, _created = TOTPDevice.objects.get_or_create(
            user=user, confirmed=False, defaults={"name": "Authenticator"}
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _why = device.verify_is_allowed()
        if not allowed:
            # django-otp doubles the wait after each wrong code (1 s, 2 s, 4 s, ...).
            form.add_error("code", _("Too many wrong codes: wait a few seconds, then try the newest code."))
        elif device.verify_token(form.cleaned_data["code"].strip()):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit_record(actor=Actor.for_user(user), action="staff.2fa_enrolled", target=user, request=request)
            otp_login(request, device)
            audit_record(actor=Actor.for_user(user), action="staff.2fa_passed", target=user, request=request)
            return HttpResponseRedirect(_next(request))
        else:
            audit_record(actor=Actor.for_user(user), action="staff.2fa_failed", target=user, request=request)
            form.add_error("code", _("That code is not right. Check your phone's time and try the newest code."))
    context = {
        "form": form,
        "enrolling": enrolling,
        "title": _("Set up two-factor login") if enrolling else _("Two-factor login"),
        "site_header": settings.ADMIN_SITE_HEADER,
        "has_permission": False,
    }
    if enrolling:
        context["qr"] = mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4))  # noqa: S308 (our SVG)
        context["key"] = " ".join(_base32(device.bin_key)[i : i + 4] for i in range(0, 32, 4))
    return render(request, "admin/two_factor.html", context)


def _base32(key: bytes) -> str:
    return base64.b32encode(key).decode().rstrip("=")
