"""Staff sessions: every staff login, failed login, lock-out and logout is audited, and a staff
session ends after `STAFF_IDLE_TIMEOUT_S` without a request. (Login throttling and lock-out
are django-axes': AXES_* settings.)"""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from prakerja.accounts.models import User
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor

LAST_SEEN = "staff_last_seen"


def _staff(email: str) -> User | None:
    return User.objects.filter(email=(email or "").strip().lower(), is_staff=True).first()


def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if user.is_staff:
        if request is not None:
            request.session[LAST_SEEN] = int(time.time())
        audit_record(actor=Actor.for_user(user), action="staff.login", target=user, request=request)


def on_logged_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None and user.is_staff:
        audit_record(actor=Actor.for_user(user), action="staff.logout", target=user, request=request)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only for staff accounts: applicants' typos are throttled, not written to the trail.
    staff = _staff(credentials.get("username", "") or credentials.get("email", ""))
    if staff is not None:
        audit_record(actor=Actor.system("auth"), action="staff.login_failed", target=staff, request=request)


def on_locked_out(sender: Any, request: HttpRequest | None, username: str | None = None, **kwargs: Any) -> None:
    staff = _staff(username or "")
    if staff is not None:
        audit_record(actor=Actor.system("auth"), action="staff.locked_out", target=staff, request=request)


class StaffIdleTimeoutMiddleware:
    """A staff session idle longer than STAFF_IDLE_TIMEOUT_S is logged out (the admin then asks
    for the login again); each request of a staff user refreshes the time."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if last is not None and now - int(last) > settings.STAFF_IDLE_TIMEOUT_S:
                staff = user
                logout(request)
                audit_record(
                    actor=Actor.for_user(staff),
                    action="staff.session_expired",
                    target=staff,
                    payload={"idle_seconds": now - int(last)},
                    request=request,
                )
            else:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
