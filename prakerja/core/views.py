from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prakerja.core.actor import Actor
from prakerja.core.dashboard import dashboard_refresh_queue
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


@require_POST
def dashboard_refresh_request(request: HttpRequest) -> HttpResponse:
    """'Refresh now' on the admin home (served through admin.site.admin_view: see prakerja/urls.py)."""
    if dashboard_refresh_queue(actor=Actor.for_request(request), request=request):
        messages.success(request, _("The figures are being computed; reload this page in a minute."))
    else:
        messages.info(request, _("The figures were computed less than a minute ago."))
    return redirect("admin:index")
