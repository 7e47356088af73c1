"""A tiny WSGI app that echoes the request's headers and CGI path names, to test the server config."""

import json
from collections.abc import Callable, Iterable
from typing import Any


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    cgi = ("SCRIPT_NAME", "PATH_INFO", "REMOTE_USER")
    seen = {key: value for key, value in environ.items() if key.startswith("HTTP_") or key in cgi}
    body = json.dumps(seen).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
