"""The public catalogue through the real server over 100,000 approved courses listed on the
eight platforms: search and filter pages, median and p95 latency, requests per second."""

import random
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from partners.seed import seed_platforms
from tests.factories import CategoryFactory, InstitutionFactory
from tests.server import gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

COURSES = 100_000
REQUESTS = 2_000
CLIENTS = 4
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


def load_catalogue() -> int:
    seed_platforms()
    categories = [CategoryFactory.create(name=f"Kategori {n}", slug=f"kategori-{n}").pk for n in range(10)]
    institutions = [InstitutionFactory.create().pk for _ in range(50)]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO courses_course (institution_id, code, title, description, learning_outcomes, category_id,
                method, total_hours, language, province_id, regency_id, price, outside_price, free_elsewhere,
                is_bundle, status, decision_reasons, rating_average, rating_count, created_at, updated_at)
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
                   CASE WHEN g %% 4 = 0 THEN NULL ELSE 3 + (g %% 20) / 10.0 END, g %% 500, now(), now()
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
    with gunicorn(env=env, workers=4) as base:
        for params in QUERIES:  # warm every worker's caches once
            for _ in range(4):
                requests.get(base + "/pelatihan/", params=params, timeout=10)
        # One client: the service time of each page. Four: throughput on the 2 cores.
        run(report, base=base, clients=1, total=600, listings=listings)
        run(report, base=base, clients=CLIENTS, total=REQUESTS, listings=listings)


def run(report: Callable[..., None], *, base: str, clients: int, total: int, listings: int) -> None:
    latencies: dict[str, list[float]] = {}
    lock = threading.Lock()
    counter = iter(range(total))

    def client(seed: int) -> None:
        rng = random.Random(seed)
        session = requests.Session()
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            params = rng.choice(QUERIES)
            started = time.perf_counter()
            response = session.get(base + "/pelatihan/", params=params, timeout=10)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200
            with lock:
                latencies.setdefault("&".join(f"{k}={v}" for k, v in params.items()) or "(all)", []).append(elapsed)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(client, seed) for seed in range(clients)]:
            future.result()
    wall = time.perf_counter() - started
    every = sorted(x for values in latencies.values() for x in values)
    size = {"courses": COURSES, "listings": listings, "requests": total, "clients": clients}
    report(f"catalogue.requests_per_second clients={clients}", total / wall, "req/s", **size)
    report(f"catalogue.latency_median clients={clients}", statistics.median(every) * 1000, "ms", **size)
    report(f"catalogue.latency_p95 clients={clients}", every[int(0.95 * (len(every) - 1))] * 1000, "ms", **size)
    if clients == 1:
        for name, values in sorted(latencies.items()):
            values.sort()
            report(
                f"catalogue.page {name}",
                statistics.median(values) * 1000,
                "ms median",
                p95_ms=round(values[int(0.95 * (len(values) - 1))] * 1000, 1),
                size=len(values),
            )
