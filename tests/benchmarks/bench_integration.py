"""The integration protocol through the real server: status + commit pairs per second with 16
institutions calling at once, each signing as the published clients do."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from courses.integration.signing import integration_signature
from courses.services.institutions import signing_key_issue
from courses.services.redemption import redeem_code_issue
from prakerja.core.actor import Actor
from tests.benchmarks.bench_registration import percentile
from tests.factories import CourseFactory, InstitutionFactory, StaffUserFactory
from tests.server import gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

INSTITUTIONS = 16
CODES_EACH = 120
STATUS = "/api/v1/integration/payment/redeem-code/status"
COMMIT = "/api/v1/integration/payment/redeem-code/commit"


def test_status_and_commit_pairs_per_second(report, regions):
    staff = StaffUserFactory.create()
    clients = []
    for _ in range(INSTITUTIONS):
        institution = InstitutionFactory.create()
        key = signing_key_issue(institution=institution, actor=Actor.for_user(staff), overlap=None)
        course = CourseFactory.create(institution=institution)
        codes = [
            redeem_code_issue(course=course, invoice_code="INV-B", platform_name="Bench").code
            for _ in range(CODES_EACH)
        ]
        clients.append((institution.client_code, key, codes))
    db = connection.settings_dict
    env = {
        "DJANGO_SETTINGS_MODULE": "prakerja.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "INTEGRATION_RATE": "1000000/m",
        "WEB_ACCESS_LOG": "",
    }
    pairs: list[float] = []
    lock = threading.Lock()

    with gunicorn(env=env, workers=4) as base:

        def institution_client(client_code: str, key: str, codes: list[str]) -> None:
            session = requests.Session()
            # Seconds, as the protocol says: each call of this client gets its own second, going
            # back from now (identical signatures would be replays), well inside the window.
            stamp = int(time.time())
            for code in codes:
                began = time.perf_counter()
                for path in (STATUS, COMMIT):
                    stamp -= 1
                    body = json.dumps({"redeem_code": code}, separators=(",", ":"))
                    signature = integration_signature(
                        sign_key=key, client_code=client_code, timestamp=str(stamp), method="POST", path=path, body=body
                    )
                    response = session.post(
                        base + path,
                        data=body.encode(),
                        headers={
                            "Content-Type": "application/json",
                            "client_code": client_code,
                            "timestamp": str(stamp),
                            "signature": signature,
                        },
                        timeout=30,
                    )
                    assert response.status_code == 200, response.text
                with lock:
                    pairs.append(time.perf_counter() - began)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=INSTITUTIONS) as pool:
            for future in [pool.submit(institution_client, *client) for client in clients]:
                future.result()
        wall = time.perf_counter() - started

    total = INSTITUTIONS * CODES_EACH
    report(
        "integration.status_commit_pairs_per_second",
        total / wall,
        "pairs/s",
        pairs=total,
        institutions=INSTITUTIONS,
        server="gunicorn 4 sync workers, clients on the same 2 cores",
    )
    report("integration.pair_latency_median", percentile(pairs, 50) * 1000, "ms")
    report("integration.pair_latency_p99", percentile(pairs, 99) * 1000, "ms")
