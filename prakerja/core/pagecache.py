"""Whole-page caching of public pages in Redis, for anonymous visitors.

A page is stored under a key made of a *version* (one counter per kind of page, e.g. the
catalogue), the language and the full path. Whatever changes what such pages show bumps the
version after its transaction commits (`page_version_watch` connects the models' save and
delete signals; `page_version_bump` is there for writes that send no signal), so the next
request renders afresh and the old entries are never read again; they expire after
PAGE_CACHE_SECONDS, which also bounds how stale a page can be after a write that bumps
nothing (a `QuerySet.update()` or raw SQL, or a replica that lags behind the primary).

Only anonymous requests without a session or pending messages are served from the cache, so
no page made for one visitor is shown to another. A page with a form that needs a CSRF token is
stored with a placeholder that each visitor's own token replaces (they get their own CSRF
cookie as on any page); the header's language switch is a GET for that reason (no token), so
the catalogue's pages hold nothing per visitor.

For a shared cache in front (a CDN), such an answer to an anonymous visitor says
`Cache-Control: public, max-age=PAGE_CACHE_PUBLIC_MAX_AGE` and `Vary: Cookie` (beside the
locale middleware's `Vary: Accept-Language`): a visitor with any cookie (a language chosen, a
session) is not served another's copy, and a change reaches CDN visitors within max-age (the
version bump empties only this cache). A page with a visitor's token, and every answer to a
signed-in visitor, says `private`."""

import functools
import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

View = Callable[..., HttpResponse]
# Letters and underscores only: rendered as it is (no escaping changes it), and never a token.
CSRF_PLACEHOLDER = "pagecachecsrfplaceholder"
_CSRF_BYTES = CSRF_PLACEHOLDER.encode()


def _version_key(kind: str) -> str:
    return f"page-version:{kind}"


def page_version(kind: str) -> str:
    version = cache.get(_version_key(kind))
    if version is None:
        # Never 0 again after an eviction: a restarted counter could meet entries stored
        # under its old values.
        cache.add(_version_key(kind), time.time_ns(), timeout=None)
        version = cache.get(_version_key(kind))
    return str(version)


def page_version_bump(kind: str) -> None:
    """Pages of this kind are rendered afresh from now on (call after the change commits)."""
    try:
        cache.incr(_version_key(kind))
    except ValueError:  # no counter yet (or evicted): a new one, above any earlier
        cache.set(_version_key(kind), time.time_ns(), timeout=None)


def page_version_watch(kind: str, *models: type[Model]) -> None:
    """Bump `kind` once the transaction that saved or deleted one of these models commits."""

    def bump(**_: Any) -> None:
        transaction.on_commit(lambda: page_version_bump(kind))

    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(bump, sender=model, weak=False, dispatch_uid=f"page-version-{kind}-{model._meta.label}")


def cacheable(request: HttpRequest) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def cached_page(kind: str) -> Callable[[View], View]:
    """Serve the view's 200 answers to anonymous visitors from the cache (see the module)."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not cacheable(request):
                response = view(request, *args, **kwargs)
                patch_cache_control(response, private=True)
                return response
            path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
            key = f"page:{kind}:{page_version(kind)}:{get_language()}:{path}"
            stored = cache.get(key)
            if stored is None:
                request.page_cache_csrf = CSRF_PLACEHOLDER  # type: ignore[attr-defined]
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or response.streaming or response.cookies:
                    patch_cache_control(response, private=True)
                    return response
                content = bytes(response.content)
                cache.set(key, (response["Content-Type"], content), timeout=settings.PAGE_CACHE_SECONDS)
                response["X-Page-Cache"] = "miss"
            else:
                content_type, content = stored
                response = HttpResponse(content, content_type=content_type)
                response["X-Page-Cache"] = "hit"
            if _CSRF_BYTES in content:
                response.content = content.replace(_CSRF_BYTES, get_token(request).encode())
                patch_cache_control(response, private=True)
            elif settings.PAGE_CACHE_PUBLIC_MAX_AGE > 0:
                patch_cache_control(response, public=True, max_age=settings.PAGE_CACHE_PUBLIC_MAX_AGE)
                patch_vary_headers(response, ["Cookie"])
            return response

        return wrapper

    return decorate


def page_context(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    """The template context of a cached page: its CSRF token rendered as the placeholder."""
    placeholder = getattr(request, "page_cache_csrf", None)
    return {**context, "csrf_token": placeholder} if placeholder else context
