"""The public catalogue through the real server over 100,000 approved courses listed on the
eight platforms: search and filter pages, median and p95 latency, requests per second."""

import random
import statistics
import time
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
import requests
from django.db import connection

from courses.models import Course
from partners.seed import seed_platforms
from tests.benchmarks.load import CpuMeter, Http, Result, load_average, percentile, run_load
from tests.factories import CategoryFactory, InstitutionFactory
from tests.server import MASTER_PIDS, gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

COURSES = 100_000
REQUESTS = 2_000
CLIENTS = 4
CACHED_REQUESTS = 20_000
CACHED_CLIENTS = 16
TOPICS = [
    "Pemrograman Python",
    "Desain Grafis",
    "Pemasaran Digital",
    "Barista Kopi",
    "Bahasa Inggris",
    "Akuntansi Dasar",
    "Budidaya Hidroponik",
    "Fotografi Produk",
    "Teknisi Las",
    "Manajemen Keuangan",
    "Membuat Kue",
    "Layanan Pelanggan",
    "Analisis Data",
    "Jaringan Komputer",
    "Edit Video",
]
LEVELS = ["untuk Pemula", "Tingkat Menengah", "Praktis", "Intensif", "Lanjutan", "Bersertifikat", "untuk UMKM"]
QUERIES = [
    {"q": "pemrograman"},
    {"q": "barista kopi"},
    {"q": "pemrogaman python"},
    {"q": "desain grafis pemula"},
    {"q": "hidroponik"},
    {"q": "bahasa inggris", "sort": "price"},
    {"method": "webinar"},
    {"category": "kategori-3", "price_max": "500000"},
    {"platform": "tokopedia", "sort": "rating"},
    {"q": "akuntansi", "province": "32"},
    {"min_rating": "4.5"},
    {},
    {"q": "las", "method": "offline"},
    {"q": "kopi", "page": "3"},
]
TEXT_SEARCHES = [{"q": "barista kopi"}, {"q": "desain grafis pemula"}, {"q": "pemrogaman python"}]


def load_catalogue() -> int:
    seed_platforms()
    categories = [CategoryFactory.create(name=f"Kategori {n}", slug=f"kategori-{n}").pk for n in range(10)]
    institutions = [InstitutionFactory.create().pk for _ in range(50)]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO courses_course (institution_id, code, title, description, learning_outcomes, category_id,
                method, total_hours, language, province_id, regency_id, price, outside_price, free_elsewhere,
                is_bundle, status, decision_reasons, rating_average, rating_count, created_at, updated_at,
                planned_sessions, min_duration_hours)
            SELECT (%(institutions)s::bigint[])[1 + g %% 50], 'B-' || g,
                   (%(topics)s::text[])[1 + g %% 15] || ' '
                       || (%(levels)s::text[])[1 + (g / 15) %% 7] || ' ' || g,
                   'Pelatihan ' || lower((%(topics)s::text[])[1 + g %% 15])
                       || ' dengan praktik dan studi kasus nomor ' || g,
                   'Peserta mampu menerapkan materi.', (%(categories)s::bigint[])[1 + g %% 10],
                   (ARRAY['self_paced','self_paced','webinar','offline','hybrid'])[1 + g %% 5], 15 + g %% 30,
                   'Bahasa Indonesia',
                   CASE WHEN g %% 5 IN (3, 4) THEN '32' END, CASE WHEN g %% 5 IN (3, 4) THEN '3273' END,
                   100000 + (g %% 14) * 100000, 200000 + (g %% 14) * 100000, false, false, 'approved', '',
                   CASE WHEN g %% 4 = 0 THEN NULL ELSE 3 + (g %% 20) / 10.0 END, g %% 500, now(), now(),
                   1 + g %% 4, 10
            FROM generate_series(1, %(n)s) AS g
            """,
            {"institutions": institutions, "topics": TOPICS, "levels": LEVELS, "categories": categories, "n": COURSES},
        )
        cursor.execute(
            """
            INSERT INTO partners_listing (
                course_id, partner_id, sku, price, is_active, awaiting_approval, url, created_at
            )
            SELECT c.id, p.id, p.slug || '-' || c.code, c.price - (c.id % 3) * 10000, true, false, '', now()
            FROM courses_course AS c
            JOIN (SELECT id, slug, row_number() OVER (ORDER BY id) AS r FROM partners_partner) AS p
              ON (c.id + p.r) % 3 = 0 OR p.r = 1 + c.id % 8
            WHERE c.code LIKE 'B-%%'
            """
        )
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM partners_listing")
        return int(cursor.fetchone()[0])


def test_catalogue_search_latency(report, regions):
    listings = load_catalogue()
    db = connection.settings_dict
    env = {
        "DJANGO_SETTINGS_MODULE": "prakerja.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "WEB_ACCESS_LOG": "",
    }
    # Every page rendered afresh (the page cache off): what a miss costs, and text search.
    with gunicorn(env={**env, "PAGE_CACHE_SECONDS": "0"}, workers=4) as base:
        for params in QUERIES:  # warm every worker's caches once
            for _ in range(4):
                requests.get(base + "/pelatihan/", params=params, timeout=10)
        meter = CpuMeter(roots={"gunicorn": MASTER_PIDS[base]})
        # One client: the service time of each page. Four: throughput on the 2 cores.
        run(report, base=base, clients=1, total=600, listings=listings, meter=meter, label="uncached")
        # The three text searches alone: their latency and CPU per page.
        run(
            report,
            base=base,
            clients=1,
            total=300,
            listings=listings,
            meter=meter,
            label="text-search",
            queries=TEXT_SEARCHES,
        )
        run(report, base=base, clients=CLIENTS, total=REQUESTS, listings=listings, meter=meter, label="uncached")
    # The cache on, as deployed: the catalogue home, a course page and a filter page.
    with gunicorn(env={**env, "PAGE_CACHE_SECONDS": "60"}, workers=4) as base:
        code = Course.objects.filter(code__startswith="B-").order_by("pk").values_list("code", flat=True).first()
        paths = ["/pelatihan/", f"/pelatihan/{code}/", "/pelatihan/?category=kategori-3&price_max=500000"]
        for path in paths:
            assert requests.get(base + path, timeout=10).headers.get("X-Page-Cache") in ("miss", "hit")
        meter = CpuMeter(roots={"gunicorn": MASTER_PIDS[base]})
        cached(report, base=base, paths=paths, listings=listings, meter=meter)


def cached(report: Callable[..., None], *, base: str, paths: list[str], listings: int, meter: CpuMeter) -> None:
    def page(n: int, http: Http) -> list[Result]:
        path = paths[n % len(paths)]
        began = time.perf_counter()
        status, _, response = http.request("GET", path)
        assert status == 200, (status, path)
        assert response.getheader("X-Page-Cache") == "hit", path
        return [Result("page", time.perf_counter() - began)]

    outcome = run_load(
        page,
        operations=CACHED_REQUESTS,
        clients=CACHED_CLIENTS,
        processes=4,
        setup=lambda slot: Http(base),
        meter=meter,
        profile="catalogue_cached",
    )
    latencies = outcome.latencies("page")
    report(
        f"catalogue.cached_pages_per_second clients={CACHED_CLIENTS}",
        CACHED_REQUESTS / outcome.wall,
        "req/s",
        courses=COURSES,
        listings=listings,
        requests=CACHED_REQUESTS,
        pages="home, a course page, category + price filter (all cache hits)",
        p99_ms=round(percentile(latencies, 99) * 1000, 1),
        p95_ms=round(percentile(latencies, 95) * 1000, 1),
        client_cpu_ms_per_op=round(outcome.client_cpu_s / CACHED_REQUESTS * 1000, 2),
        load_generator="4 forked client processes x 4 threads (http.client), same 2 cores",
        load_average=load_average(),
        server="gunicorn 4 sync workers",
        **meter.per_operation_ms(CACHED_REQUESTS),
    )


def run(
    report: Callable[..., None],
    *,
    base: str,
    clients: int,
    total: int,
    listings: int,
    meter: CpuMeter,
    label: str,
    queries: list[dict[str, str]] = QUERIES,
) -> None:
    def page(n: int, state: tuple[random.Random, Http]) -> list[Result]:
        rng, http = state
        params = rng.choice(queries)
        began = time.perf_counter()
        status, _, _ = http.request("GET", "/pelatihan/?" + urlencode(params))
        elapsed = time.perf_counter() - began
        assert status == 200
        return [Result("&".join(f"{k}={v}" for k, v in params.items()) or "(all)", elapsed)]

    outcome = run_load(
        page,
        operations=total,
        clients=clients,
        processes=min(clients, 2),
        setup=lambda slot: (random.Random(slot), Http(base)),
        meter=meter,
        profile=f"catalogue_{label}_{clients}",
    )
    latencies: dict[str, list[float]] = {}
    for result in outcome.results:
        latencies.setdefault(result.name, []).append(result.seconds)
    every = sorted(x for values in latencies.values() for x in values)
    size = {"courses": COURSES, "listings": listings, "requests": total, "clients": clients, "pages": label}
    report(
        f"catalogue.requests_per_second clients={clients} {label}",
        total / outcome.wall,
        "req/s",
        **size,
        p99_ms=round(percentile(every, 99) * 1000, 1),
        load_average=load_average(),
        **meter.per_operation_ms(total),
    )
    report(f"catalogue.latency_median clients={clients} {label}", statistics.median(every) * 1000, "ms", **size)
    report(f"catalogue.latency_p95 clients={clients} {label}", percentile(every, 95) * 1000, "ms", **size)
    if clients == 1:
        for name, values in sorted(latencies.items()):
            report(
                f"catalogue.page {name}",
                statistics.median(values) * 1000,
                "ms median",
                p95_ms=round(percentile(values, 95) * 1000, 1),
                size=len(values),
            )
