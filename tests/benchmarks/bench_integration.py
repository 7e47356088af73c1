"""The integration protocol through the real server: status + commit pairs per second with 16
institutions calling at once, each signing as the published clients do."""

import json
import time

import pytest
from django.db import connection

from courses.integration.signing import integration_signature
from courses.services.institutions import signing_key_issue
from courses.services.redemption import redeem_code_issue
from prakerja.core.actor import Actor
from tests.benchmarks.load import CpuMeter, Http, Result, load_average, percentile, run_load
from tests.factories import CourseFactory, InstitutionFactory, StaffUserFactory
from tests.server import MASTER_PIDS, gunicorn

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
        "INTEGRATION_LOG_BUFFER_ROWS": "200",  # as deployed (the test settings write each row at once)
        "WEB_ACCESS_LOG": "",
    }

    with gunicorn(env=env, workers=4) as base:
        meter = CpuMeter(roots={"gunicorn": MASTER_PIDS[base]})

        def pair(n: int, state: tuple[Http, list[int]]) -> list[Result]:
            # Institution n: all its codes, one pair after another (its own client).
            http, stamp = state
            client_code, key, codes = clients[n]
            done = []
            for code in codes:
                began = time.perf_counter()
                for path in (STATUS, COMMIT):
                    # Seconds, as the protocol says. The time of the call: each (path, code) is
                    # signed once, so no two signatures are equal. (Stepping back one second a
                    # call, as this did, left the window after 300 calls' worth of a slow run,
                    # and every call was refused.)
                    stamp[0] = int(time.time())
                    body = json.dumps({"redeem_code": code}, separators=(",", ":"))
                    signature = integration_signature(
                        sign_key=key,
                        client_code=client_code,
                        timestamp=str(stamp[0]),
                        method="POST",
                        path=path,
                        body=body,
                    )
                    status, data, _ = http.request(
                        "POST",
                        path,
                        body=body.encode(),
                        headers={
                            "Content-Type": "application/json",
                            "client_code": client_code,
                            "timestamp": str(stamp[0]),
                            "signature": signature,
                        },
                    )
                    assert status == 200, data
                done.append(Result("pair", time.perf_counter() - began))
            return done

        outcome = run_load(
            pair,
            operations=INSTITUTIONS,
            clients=INSTITUTIONS,
            processes=4,
            setup=lambda slot: (Http(base), [int(time.time())]),
            meter=meter,
            profile="integration",
        )

    pairs = outcome.latencies("pair")
    total = len(pairs)  # pairs answered; an institution whose call was refused stops (failed)
    report(
        "integration.status_commit_pairs_per_second",
        total / outcome.wall,
        "pairs/s",
        pairs=total,
        failed_institutions=outcome.failed,
        institutions=INSTITUTIONS,
        server="gunicorn 4 sync workers",
        load_generator="4 forked client processes x 4 threads (http.client), same 2 cores",
        p99_ms=round(percentile(pairs, 99) * 1000, 1),
        client_cpu_ms_per_op=round(outcome.client_cpu_s / total * 1000, 2),
        load_average=load_average(),
        **meter.per_operation_ms(max(1, total)),
    )
    report("integration.pair_latency_median", percentile(pairs, 50) * 1000, "ms")
    report("integration.pair_latency_p99", percentile(pairs, 99) * 1000, "ms")
