from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from prakerja.core.actor import Actor
from prakerja.core.dashboard import dashboard_refresh_queue
from prakerja.messaging.selectors import sandbox_messages_recent


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/landing.html")


@require_GET
@never_cache
def language_switch(request: HttpRequest) -> HttpResponseRedirect:
    """The header's language choice, by GET: the form then carries no CSRF token, so the public
    pages that show it are the same for every visitor and a CDN can keep them. Choosing a
    language is the visitor's own display preference (a cookie, as Django's set_language
    sets); a link that switches someone's language changes nothing else, so it needs no token.
    `next` goes back to a page of this site only."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    language = request.GET.get("language", "")
    if language in dict(settings.LANGUAGES) and check_for_language(language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


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
