"""Each web process keeps its own copy of the open-data pages and downloads for a minute.

The pages are the same for every reader (no session, no cookie, language in the path), so
they are answered here, before sessions, locale, CSRF and authentication run: a CDN in front
gets `Cache-Control: public`, and the origin itself answers a thousand requests a second
(docs/benchmarks.md). Only responses the view marked `public_cache` are kept, only for paths
under /data/ without a query string, at most MAX_ENTRIES of them; `If-None-Match` is answered
304 from the kept ETag."""

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified

PREFIX = "/data/"
MAX_ENTRIES = 256
# Headers a kept response is answered with (the security middleware outside adds its own).
KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition", "Cache-Control", "Link", "X-Frame-Options")


@dataclass(frozen=True)
class Kept:
    expires: float
    status: int
    content: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str

    def response(self, request: HttpRequest) -> HttpResponseBase:
        if request.headers.get("If-None-Match") == self.etag:
            not_modified = HttpResponseNotModified()
            not_modified["ETag"] = self.etag
            return not_modified
        response = HttpResponse(self.content, status=self.status)
        for name, value in self.headers:
            response[name] = value
        response["ETag"] = self.etag
        return response


class PublicPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.kept: OrderedDict[str, Kept] = OrderedDict()
        self.lock = threading.Lock()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            request.method not in ("GET", "HEAD")
            or not request.path_info.startswith(PREFIX)
            or request.META.get("QUERY_STRING")
        ):
            return self.get_response(request)
        key = request.path_info
        now = time.monotonic()
        kept = self.kept.get(key)
        if kept is not None and kept.expires > now:
            return kept.response(request)
        response = self.get_response(request)
        if not getattr(response, "public_cache", False) or not isinstance(response, HttpResponse):
            return response
        if response.cookies:
            # Something on the way out set a cookie (a signed-in reader's session refreshed):
            # this answer is that reader's alone, whatever the view said.
            response["Cache-Control"] = "private, no-cache"
            return response
        # The content is the same for everyone: no Vary on the language header or the cookie
        # that the locale and session middleware may have added on the way out.
        del response["Vary"]
        if response.status_code != 200:
            return response
        etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
        response["ETag"] = etag
        kept = Kept(
            expires=now + settings.OPEN_DATA_PROCESS_CACHE_S,
            status=response.status_code,
            content=response.content,
            headers=tuple((name, response[name]) for name in KEPT_HEADERS if name in response),
            etag=etag,
        )
        with self.lock:
            self.kept[key] = kept
            self.kept.move_to_end(key)
            while len(self.kept) > MAX_ENTRIES:
                self.kept.popitem(last=False)
        return response
