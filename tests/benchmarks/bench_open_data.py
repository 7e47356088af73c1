"""The public open-data page (/data/) and a download through the real server: requests per
second with several client processes, each on its own kept-alive connection. The page is
answered from the web process's own copy (prakerja.opendata.middleware) after the first
request; a CDN in front would take most of this load (Cache-Control: public)."""

import datetime as dt
import http.client
import multiprocessing
import os
import statistics
import time
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.utils import timezone

from prakerja.core.models import DashboardSnapshot
from prakerja.opendata.services import release_publish
from tests.server import gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = int(os.environ.get("BENCH_OPEN_DATA_REQUESTS", "20000"))
CLIENTS = int(os.environ.get("BENCH_OPEN_DATA_CLIENTS", "4"))
PATHS = ["/data/", "/data/en/", "/data/releases/latest/provinces.csv"]


def programme_snapshots() -> None:
    """Figures of a programme of national size: 38 provinces, 60 waves, 30 categories, 8 platforms."""
    now = timezone.now()
    days = [(now.date() - dt.timedelta(days=d)).isoformat() for d in range(29, -1, -1)]
    snapshots = {
        "funnel": {
            "total": [
                16_000_000,
                15_000_000,
                14_000_000,
                13_000_000,
                12_000_000,
                9_000_000,
                8_500_000,
                8_000_000,
                7_900_000,
                7_500_000,
            ],
            "provinces": [{"province": f"Provinsi {p}", "counts": [400_000 - p * 9_000] * 10} for p in range(38)],
            "waves": [
                {
                    "number": w,
                    "status": "announced",
                    "quota": 200_000,
                    "counts": [300_000, 200_000, 190_000, 180_000, 170_000, 160_000],
                }
                for w in range(60, 0, -1)
            ],
        },
        "public_applicants": {
            "complaints": [
                {"category": c, "filed": 40_000, "resolved": 39_000, "within_target": 35_000}
                for c in ("registration", "selection", "purchase", "training", "incentive", "other")
            ],
            "incentives": [
                {"month": f"202{y}-{m:02d}", "people": 300_000, "instalments": 600_000, "amount": 360_000_000_000}
                for y in range(4, 7)
                for m in range(1, 13)
            ],
            "incentives_total": {"people": 7_500_000, "amount": 17_000_000_000_000},
        },
        "public_courses": {
            "categories": [{"name": f"Kategori {c}", "purchases": 250_000, "completed": 240_000} for c in range(30)],
            "platforms": [{"name": f"Platform {c}", "purchases": 1_000_000, "completed": 950_000} for c in range(8)],
        },
        "purchases": {"days": days, "purchases": {"A": [20_000] * 30}, "completions": {"A": [19_000] * 30}},
    }
    for key, data in snapshots.items():
        DashboardSnapshot.objects.create(key=key, data=data, computed_at=now)


def client(args: tuple[str, str, int]) -> tuple[list[float], int]:
    """`count` GETs of one path on a kept-alive connection (opened again when the server
    closes it, e.g. a worker recycled after its max_requests); the latencies and the retries."""
    base, path, count = args
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.netloc, timeout=5)
    latencies, retries = [], 0
    for _ in range(count):
        started = time.perf_counter()
        for attempt in range(3):
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                break
            except (http.client.HTTPException, OSError):
                if attempt == 2:
                    raise
                retries += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.netloc, timeout=5)
        assert response.status == 200, response.status
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection(parts.netloc, timeout=5)
        latencies.append(time.perf_counter() - started)
    conn.close()
    return latencies, retries


def test_open_data_requests_per_second(report):
    programme_snapshots()
    release = release_publish()
    assert release is not None
    db = connection.settings_dict
    env = {
        "DJANGO_SETTINGS_MODULE": "prakerja.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "WEB_ACCESS_LOG": "",
        "WEB_THREADS": os.environ.get("BENCH_OPEN_DATA_THREADS", "4"),
    }
    workers = int(os.environ.get("BENCH_OPEN_DATA_WORKERS", "2"))
    with gunicorn(env=env, workers=workers) as base, multiprocessing.get_context("fork").Pool(CLIENTS) as pool:
        size = len(http_get(base, "/data/"))
        for path in PATHS:  # every worker process keeps its copy
            pool.map(client, [(base, path, 20)] * CLIENTS)
        for path in PATHS:
            started = time.perf_counter()
            results = pool.map(client, [(base, path, REQUESTS // CLIENTS)] * CLIENTS)
            wall = time.perf_counter() - started
            every = sorted(x for latencies, _retries in results for x in latencies)
            details = {
                "retries": sum(retries for _latencies, retries in results),
                "requests": len(every),
                "clients": CLIENTS,
                "server": f"{workers} workers x {env['WEB_THREADS']} threads",
                "page_bytes": size,
            }
            report(f"open_data.requests_per_second {path}", len(every) / wall, "req/s", **details)
            report(f"open_data.latency_median {path}", statistics.median(every) * 1000, "ms", **details)
            report(f"open_data.latency_p99 {path}", every[int(0.99 * (len(every) - 1))] * 1000, "ms", **details)


def http_get(base: str, path: str) -> bytes:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.netloc, timeout=10)
    conn.request("GET", path)
    body = conn.getresponse().read()
    conn.close()
    return body
