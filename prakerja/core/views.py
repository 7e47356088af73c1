from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from prakerja.messaging.selectors import sandbox_messages_recent


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/landing.html")


def dev_inbox(request: HttpRequest) -> HttpResponse:
    """Every email and SMS the sandbox adapters sent; exists only with DEBUG on."""
    if not settings.DEBUG:
        raise Http404
    messages = sandbox_messages_recent(channel=request.GET.get("channel") or None, to=request.GET.get("to") or None)
    return render(request, "dev/inbox.html", {"messages_sent": messages})


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Shown when a rate limit (registration, email, OTP) is exceeded."""
    return render(request, "portal/rate_limited.html", status=429)
