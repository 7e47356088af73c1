"""The partner API through the real server: complete purchases per second (signed create, the
participant's SMS code through a real Celery worker and the sandbox SMS provider, signed
confirm) with 32 concurrent clients, and a signed GET of a tiny resource as the ceiling."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from applicants.models import Card
from applicants.waves.services.selection import wave_selection_run
from partners.api.signing import sign
from prakerja.messaging.models import SandboxMessage
from tests.applicants.wave_setups import Person, bulk_members, close
from tests.benchmarks.bench_registration import percentile
from tests.celery_worker import celery_worker
from tests.factories import ListingFactory, PartnerFactory, WaveFactory
from tests.partners.api import SignedClient
from tests.server import gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 32
PURCHASES = int(__import__("os").environ.get("BENCH_PURCHASES", "3000"))
GETS = 6_000
CARDS = 400
PRICE = 100_000
WEB_WORKERS = int(__import__("os").environ.get("BENCH_WEB_WORKERS", "4"))


def server_env() -> dict[str, str]:
    db = connection.settings_dict
    return {
        "DJANGO_SETTINGS_MODULE": "prakerja.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "PARTNER_API_THROTTLE": "10000000/min",
        "WEB_ACCESS_LOG": "",
    }


class Signed:
    _clock_lock = threading.Lock()
    _last = 0

    def __init__(self, base: str, key: str, secret: str) -> None:
        self.base, self.key, self.secret = base, key, secret
        self.session = requests.Session()

    @classmethod
    def _stamp(cls) -> str:
        # Microseconds, unique across this process's clients (like a platform's servers would
        # need if they sent byte-identical requests at the same moment).
        with cls._clock_lock:
            cls._last = max(time.time_ns() // 1000, cls._last + 1)
            return str(cls._last)

    def call(self, method: str, path: str, body: bytes = b"") -> requests.Response:
        stamp = self._stamp()
        headers = {
            "Authorization": f"Api-Key {self.key}",
            "X-Timestamp": stamp,
            "X-Signature": sign(secret=self.secret, method=method, path=path, timestamp=stamp, body=body),
            "Content-Type": "application/json",
        }
        if method == "POST":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        return self.session.request(method, self.base + path, data=body or None, headers=headers, timeout=60)


def test_purchases_per_second_through_the_server(report, regions, training_fund, tmp_path):
    # Given 400 participants and a platform with a listing at Rp100,000
    wave = close(WaveFactory.create(national_quota=CARDS))
    bulk_members(wave, [Person(province="32") for _ in range(CARDS)])
    wave_selection_run(wave_id=wave.pk, seed=1)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE applicants_applicant SET phone = '+62813' || lpad(id::text, 8, '0')")
    cards = list(Card.objects.select_related("applicant").values_list("number", "applicant__phone"))
    api = SignedClient.for_partner(PartnerFactory.create())
    listing = ListingFactory.create(
        partner=api.partner, course__price=PRICE, course__outside_price=PRICE + 50_000, price=PRICE
    )

    with (
        gunicorn(env=server_env(), workers=WEB_WORKERS) as base,
        celery_worker(tmp_path, queue="default", concurrency=2),
    ):
        lock = threading.Lock()
        counter = iter(range(PURCHASES))
        creates: list[float] = []
        confirms: list[float] = []
        whole: list[float] = []

        def code_for(phone: str, purchase_id: str) -> str:
            # The participant reads the SMS: polled with a growing pause (the polling must not
            # load the database more than the purchases themselves do).
            deadline = time.monotonic() + 30
            pause = 0.02
            while time.monotonic() < deadline:
                body = (
                    SandboxMessage.objects.filter(to=phone, reference=f"purchase-otp:{purchase_id}")
                    .values_list("body", flat=True)
                    .first()
                )
                if body:
                    return next(word.strip(".") for word in body.split() if word.strip(".").isdigit())
                time.sleep(pause)
                pause = min(pause * 1.5, 0.2)
            raise AssertionError("no SMS")

        def client() -> None:
            signed = Signed(base, api.key, api.secret)
            try:
                while True:
                    with lock:
                        n = next(counter, None)
                    if n is None:
                        return
                    number, phone = cards[n % CARDS]
                    began = time.perf_counter()
                    body = f'{{"card_number":"{number}","listing":{listing.pk}}}'.encode()
                    created = signed.call("POST", "/api/v1/purchases/", body)
                    created_at = time.perf_counter()
                    assert created.status_code == 201, created.text
                    purchase_id = created.json()["id"]
                    otp = code_for(phone, purchase_id)
                    asked = time.perf_counter()
                    confirmed = signed.call(
                        "POST", f"/api/v1/purchases/{purchase_id}/confirm/", f'{{"otp":"{otp}"}}'.encode()
                    )
                    done = time.perf_counter()
                    assert confirmed.status_code == 200, confirmed.text
                    with lock:
                        creates.append(created_at - began)
                        confirms.append(done - asked)
                        whole.append(done - began)
            finally:
                connection.close()

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            for future in [pool.submit(client) for _ in range(CLIENTS)]:
                future.result()
        wall = time.perf_counter() - started

        gets: list[float] = []
        get_counter = iter(range(GETS))

        def reader() -> None:
            signed = Signed(base, api.key, api.secret)
            while True:
                with lock:
                    n = next(get_counter, None)
                if n is None:
                    return
                began = time.perf_counter()
                response = signed.call("GET", f"/api/v1/listings/{listing.pk}/")
                assert response.status_code == 200, response.text
                with lock:
                    gets.append(time.perf_counter() - began)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            for future in [pool.submit(reader) for _ in range(CLIENTS)]:
                future.result()
        get_wall = time.perf_counter() - started

    server = f"gunicorn {WEB_WORKERS} sync workers, Celery worker (prefork 2) for SMS, clients on the same 2 cores"
    report(
        "partner_api.purchases_per_second",
        PURCHASES / wall,
        "purchases/s",
        purchases=PURCHASES,
        clients=CLIENTS,
        aim=">= 500",
        server=server,
    )
    report(
        "partner_api.purchase_latency_median",
        percentile(whole, 50) * 1000,
        "ms",
        note="create + SMS through the worker + confirm",
    )
    report("partner_api.purchase_latency_p99", percentile(whole, 99) * 1000, "ms")
    report("partner_api.create_latency_median", percentile(creates, 50) * 1000, "ms")
    report("partner_api.create_latency_p99", percentile(creates, 99) * 1000, "ms")
    report("partner_api.confirm_latency_median", percentile(confirms, 50) * 1000, "ms")
    report("partner_api.confirm_latency_p99", percentile(confirms, 99) * 1000, "ms")
    report(
        "partner_api.signed_get_per_second",
        GETS / get_wall,
        "requests/s",
        requests=GETS,
        clients=CLIENTS,
        server=server,
    )
    report("partner_api.signed_get_latency_p99", percentile(gets, 99) * 1000, "ms")
