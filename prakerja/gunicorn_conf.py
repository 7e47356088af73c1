"""gunicorn settings, shared by `make run`, the Procfile and the tests that use the real server.

Header names with underscores: `client_code` and `client-code` map to the same WSGI key
(HTTP_CLIENT_CODE), and gunicorn reads some underscore names as CGI variables (a client's
`SCRIPT_NAME` header becomes the script prefix, so `request.path` no longer says what
`PATH_INFO` routes). gunicorn therefore drops them by default. The training-institution
protocol sends exactly one such header, `client_code`, so `pre_request` below keeps that one
(in any case) and drops every other underscore header, whoever sent it, before gunicorn
builds the WSGI environ. The hyphenated spelling of a kept name is dropped too, so only one
header can fill its WSGI key.
"""

import multiprocessing
import os
from typing import Any

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
# Parsed through to pre_request, which keeps only UNDERSCORE_HEADERS (gunicorn's own "drop"
# cannot keep one name and drop the rest).
header_map = "dangerous"
# No header may set SCRIPT_NAME, PATH_INFO or REMOTE_USER, not even from a trusted proxy.
forwarder_headers = ""
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None  # empty: no access log (benchmarks)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The request line without its query string, and no referer (which carries the previous page's
# query string): search terms, filters and tokens never reach the access log (issue 18, item 9).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %(M)sms'

# Upper-case, as gunicorn holds header names: the integration protocol's underscore headers.
UNDERSCORE_HEADERS = frozenset({"CLIENT_CODE"})


def headers_allowed(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The request's headers without underscore names other than UNDERSCORE_HEADERS and
    without the hyphenated twins of those."""
    twins = {name.replace("_", "-") for name in UNDERSCORE_HEADERS}
    return [
        (name, value)
        for name, value in headers
        if ("_" not in name or name in UNDERSCORE_HEADERS) and name not in twins
    ]


def pre_request(worker: Any, req: Any) -> None:
    req.headers = headers_allowed(req.headers)
