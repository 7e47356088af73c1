"""gunicorn settings, shared by `make run`, the Procfile and the tests that use the real server.

The training-institution protocol sends header names with underscores (`client_code`).
gunicorn drops such headers by default because `client_code` and `client-code` map to the same
WSGI key. Every value in those headers is bound by the request signature, so a smuggled
duplicate can only make the signature fail: mapping them is safe here and required.
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
header_map = "dangerous"
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None  # empty: no access log (benchmarks)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The request line without its query string, and no referer (which carries the previous page's
# query string): search terms, filters and tokens never reach the access log (issue 18, item 9).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %(M)sms'
