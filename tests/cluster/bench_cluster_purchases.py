"""The partner-API purchase benchmark through the cluster (HAProxy -> 2 gunicorn instances ->
PgBouncer -> primary; SMS by the default-queue worker): complete purchases per second with 32
concurrent clients, the same flow as tests/benchmarks/bench_partner_api.py. Run by
`make bench-cluster`; prints one JSON line per figure."""

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

from prakerja.messaging.models import SandboxMessage
from tests.benchmarks.bench_registration import percentile
from tests.cluster.test_topology import Partner, cards, portal
from tests.factories import ListingFactory
from tests.partners.api import buyer

CLIENTS = 32
PURCHASES = int(os.environ.get("BENCH_PURCHASES", "3000"))
# One card per purchase: a card holds one unfinished course at a time (course_in_progress).
CARDS = PURCHASES


def test_purchases_per_second_through_the_cluster():
    selected = cards(CARDS, "bench")
    numbers = [(c.number, c.applicant.phone) for c in selected]
    platform = Partner()
    listing = ListingFactory.create(partner=platform.partner, course__price=1_000, price=1_000)
    lock = threading.Lock()
    counter = iter(range(PURCHASES))
    whole: list[float] = []

    def code_for(phone: str, purchase_id: str) -> str:
        deadline, pause = time.monotonic() + 60, 0.02
        while time.monotonic() < deadline:
            body = (
                SandboxMessage.objects.filter(to=phone, reference=f"purchase-otp:{purchase_id}")
                .values_list("body", flat=True)
                .first()
            )
            if body:
                return next(w.strip(".") for w in body.split() if w.strip(".").isdigit() and len(w.strip(".")) == 6)
            time.sleep(pause)
            pause = min(pause * 1.5, 0.2)
        raise AssertionError("no SMS")

    def client() -> None:
        me = Partner.__new__(Partner)
        me.partner, me.key, me.secret, me._last = platform.partner, platform.key, platform.secret, 0
        me.session = __import__("requests").Session()
        try:
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                number, phone = numbers[n % CARDS]
                began = time.perf_counter()
                created = me.call(
                    "POST",
                    "/api/v1/purchases/",
                    {"card_number": number, "platform_account_id": buyer(number), "listing": listing.pk},
                )
                assert created.status_code == 201, created.text
                otp = code_for(phone, created.json()["id"])
                confirmed = me.call("POST", f"/api/v1/purchases/{created.json()['id']}/confirm/", {"otp": otp})
                assert confirmed.status_code == 200, confirmed.text
                with lock:
                    whole.append(time.perf_counter() - began)
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        for future in [pool.submit(client) for _ in range(CLIENTS)]:
            future.result()
    wall = time.perf_counter() - started
    print(
        json.dumps(
            {
                "benchmark": "cluster.partner_api.purchases_per_second",
                "value": round(PURCHASES / wall, 1),
                "unit": "purchases/s",
                "purchases": PURCHASES,
                "clients": CLIENTS,
                "median_ms": round(percentile(whole, 50) * 1000),
                "p99_ms": round(percentile(whole, 99) * 1000),
                "through": portal() + " (HAProxy, 2 x gunicorn 2 gthread x 4, PgBouncer transaction mode)",
            }
        ),
        flush=True,
    )
