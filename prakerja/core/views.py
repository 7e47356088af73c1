import datetime as dt
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db import transaction
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prakerja.audit.services import Actor, audit_record
from prakerja.core.models import DashboardSnapshot
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


@staff_member_required
@require_POST
def dashboard_refresh_request(request: HttpRequest) -> HttpResponse:
    """'Refresh now' on the admin home: queues the refresh job (at most once a minute)."""
    from prakerja.core.tasks import dashboard_refresh_task

    latest = DashboardSnapshot.objects.aggregate(latest=Max("computed_at"))["latest"]
    if latest is not None and timezone.now() - latest < dt.timedelta(seconds=60):
        messages.info(request, _("The figures were computed less than a minute ago."))
        return redirect("admin:index")
    with transaction.atomic():
        audit_record(actor=Actor.for_user(request.user), action="dashboard.refresh_requested", request=request)  # type: ignore[arg-type]
        transaction.on_commit(partial(dashboard_refresh_task.delay))
    messages.success(request, _("The figures are being computed; reload this page in a minute."))
    return redirect("admin:index")
