"""Through the topology of `make cluster`: HAProxy -> two gunicorn instances -> PgBouncer
(transaction pooling) -> PostgreSQL primary and streaming replica; Redis; a Celery worker per
queue and beat. Each test builds its data through PgBouncer, as the portal's processes do."""

import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from django.db.models import Count
from requests.adapters import HTTPAdapter

from applicants.disbursement.services.runs import disbursement_run_create
from applicants.incentives.services.entitlements import instalments_make_due
from applicants.models import (
    AccountMatch,
    Card,
    Entitlement,
    Instalment,
    InstalmentKind,
    Payout,
    PayoutAccount,
    PayoutAccountStatus,
    PayoutStatus,
)
from applicants.waves.services.selection import wave_selection_run
from courses.integration.signing import integration_signature
from courses.services.institutions import signing_key_issue
from courses.services.redemption import redeem_code_issue
from partners.api.signing import sign
from partners.models import WebhookDelivery
from partners.platforms.services.api_keys import api_key_issue
from partners.webhooks.services.webhooks import webhook_endpoint_create
from prakerja.core.actor import Actor
from prakerja.ledger.models import AccountKind
from prakerja.ledger.selectors import ledger_check
from prakerja.ledger.services import Line, account_get_or_create, accounts_ensure_bulk, posting_create
from prakerja.messaging.models import OutboxMessage, SandboxMessage
from prakerja.payments.providers import PayoutChannel
from tests.applicants.wave_setups import Person, bulk_members, close
from tests.cluster.conftest import ROOT, STATE, env, portal, primary_sql, wait_until
from tests.factories import (
    DEFAULT_PASSWORD,
    CourseFactory,
    InstitutionFactory,
    ListingFactory,
    PartnerFactory,
    StaffUserFactory,
    UserFactory,
    WaveFactory,
)
from tests.partners.api import buyer

SYSTEM = Actor.system("cluster-tests")
RUN = uuid.uuid4().hex[:6]


# --- helpers ----------------------------------------------------------------------------------
class SourceAddressAdapter(HTTPAdapter):
    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(source: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", SourceAddressAdapter(source))
    return session


class Partner:
    def __init__(self) -> None:
        self.partner = PartnerFactory.create()
        issued = api_key_issue(partner=self.partner, name="cluster", actor=SYSTEM)
        self.key, self.secret = issued.key, issued.signing_secret
        self.session = requests.Session()
        self._last = 0

    def call(self, method: str, path: str, body: Any = None, idempotency_key: str | None = None) -> requests.Response:
        self._last = max(time.time_ns() // 1000, self._last + 1)
        data = json.dumps(body).encode() if body is not None else b""
        stamp = str(self._last)
        headers = {
            "Authorization": f"Api-Key {self.key}",
            "X-Timestamp": stamp,
            "X-Signature": sign(secret=self.secret, method=method, path=path, timestamp=stamp, body=data),
            "Content-Type": "application/json",
        }
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        return self.session.request(method, portal() + path, data=data or None, headers=headers, timeout=30)


class Receiver:
    """A platform's webhook endpoint: records each delivery's event id."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.events.append((body["id"], body["type"]))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def fund() -> None:
    budget = account_get_or_create(kind=AccountKind.STATE_BUDGET)
    for kind in (AccountKind.FUND_INCENTIVE, AccountKind.FUND_SURVEY, AccountKind.FUND_TRAINING):
        posting_create(
            idempotency_key=f"cluster-budget-{kind}-{RUN}",
            kind="budget.allocate",
            lines=[Line(budget.pk, -(10**13)), Line(account_get_or_create(kind=kind).pk, 10**13)],
        )


def cards(count: int, tag: str) -> list[Card]:
    """Selected participants with phones, the wave selected here through PgBouncer."""
    fund()
    wave = close(WaveFactory.create(national_quota=count))
    bulk_members(wave, [Person(province=("11", "32", "35", "51")[n % 4]) for n in range(count)], tag=f"{tag}{RUN}")
    result = wave_selection_run(wave_id=wave.pk, seed=3)
    assert result.cards_issued == count
    selected = list(Card.objects.filter(wave=wave).select_related("applicant").order_by("pk"))
    for card in selected:
        card.applicant.phone = f"+62819{card.pk:08d}"[:15]
        card.applicant.save(update_fields=["phone"])
    return selected


def code_for(phone: str, purchase_id: str, timeout: float = 60) -> str:
    found: list[str] = []

    def arrived() -> bool:
        body = (
            SandboxMessage.objects.filter(to=phone, reference=f"purchase-otp:{purchase_id}")
            .values_list("body", flat=True)
            .first()
        )
        if body:
            found.append(next(w.strip(".") for w in body.split() if w.strip(".").isdigit() and len(w.strip(".")) == 6))
        return bool(body)

    assert wait_until(arrived, timeout=timeout), "the SMS code never arrived"
    return found[0]


def advisory_locks() -> str:
    return primary_sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")


def celery(*args: str) -> None:
    subprocess.run([str(ROOT / ".venv/bin/celery"), "-A", "prakerja", *args], cwd=ROOT, check=True)


# --- the tests ----------------------------------------------------------------------------------
def test_a_purchase_flows_through_haproxy_both_web_instances_and_pgbouncer(receiver):
    # given participants, and a platform with a listing and a webhook endpoint
    selected = cards(6, "buy")
    platform = Partner()
    listing = ListingFactory.create(partner=platform.partner, course__price=100_000, price=100_000)
    webhook_endpoint_create(partner=platform.partner, url=receiver.url, actor=SYSTEM)
    served_by = set()
    for card in selected:
        # when the platform creates a purchase through HAProxy
        created = platform.call(
            "POST",
            "/api/v1/purchases/",
            {"card_number": card.number, "platform_account_id": buyer(card.number), "listing": listing.pk},
        )
        assert created.status_code == 201, created.text
        served_by.add(created.headers.get("X-Served-By"))
        # and confirms it with the code the participant received by SMS (worker, broker)
        code = code_for(card.applicant.phone, created.json()["id"])
        confirmed = platform.call("POST", f"/api/v1/purchases/{created.json()['id']}/confirm/", {"otp": code})
        assert confirmed.status_code == 200, confirmed.text
        served_by.add(confirmed.headers.get("X-Served-By"))
        assert confirmed.json()["status"] == "paid"
    # then both web instances served, and the platform heard of each payment once
    assert served_by == {"web1", "web2"}
    assert wait_until(lambda: len({e for e in receiver.events if e[1] == "purchase.confirmed"}) == len(selected))
    assert len(receiver.events) == len(set(receiver.events))
    assert ledger_check().ok


def test_the_institution_protocols_underscore_headers_pass_haproxy():
    # given an institution's signing key and a redeem code
    institution = InstitutionFactory.create()
    key = signing_key_issue(institution=institution, actor=Actor.for_user(StaffUserFactory.create()), overlap=None)
    code = redeem_code_issue(course=CourseFactory.create(institution=institution))
    path = "/api/v1/integration/payment/redeem-code/status"
    body = json.dumps({"redeem_code": code.code}, separators=(",", ":"))
    results = []
    for n, header in enumerate(("client_code", "Client_code")):
        stamp = str(int(time.time()) - n)
        good = integration_signature(
            sign_key=key, client_code=institution.client_code, timestamp=stamp, method="POST", path=path, body=body
        )
        for signature in (good, "0" * 40):
            # when it calls through HAProxy with its underscore headers
            response = requests.post(
                portal() + path,
                data=body.encode(),
                headers={
                    "Content-Type": "application/json",
                    header: institution.client_code,
                    "timestamp": stamp,
                    "signature": signature,
                },
                timeout=10,
            )
            results.append((header, signature == good, response.status_code))
    # then a right signature is accepted and a wrong one refused, whatever the case
    assert [status for _h, good, status in results if good] == [200, 200], results
    assert [status for _h, good, status in results if not good] == [401, 401], results


def login(session: requests.Session, base: str, email: str, password: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    page = session.get(base + "/masuk/", headers=headers, timeout=10)
    token = page.cookies.get("__Host-csrftoken") or session.cookies.get("__Host-csrftoken")
    assert token, page.status_code
    # Production cookies are Secure; over this plain-http loopback they are sent by hand.
    headers["Cookie"] = f"__Host-csrftoken={token}"
    response = session.post(
        base + "/masuk/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": token},
        headers=headers,
        allow_redirects=False,
        timeout=10,
    )
    return response.status_code


def test_lock_outs_and_rate_limits_key_on_the_real_client_address():
    # given an applicant, an attacker at 127.0.0.10 and the applicant at 127.0.0.11, both
    # reaching the portal through HAProxy
    user = UserFactory.create()
    attacker, applicant = session_from("127.0.0.10"), session_from("127.0.0.11")
    # when the attacker tries five wrong passwords (and claims another address while at it)
    for n in range(5):
        login(attacker, portal(), user.email, "salah-salah", forwarded_for=f"203.0.113.{n}")
    # then the attacker is locked out, and the applicant logs in from their own address
    assert login(attacker, portal(), user.email, DEFAULT_PASSWORD) == 429
    assert login(applicant, portal(), user.email, DEFAULT_PASSWORD) == 302

    # given a second applicant and a client that reaches gunicorn directly (not a trusted proxy)
    other = UserFactory.create()
    direct = f"http://127.0.0.1:{env('CLUSTER_WEB_PORTS').split()[0]}"
    # when it forges a new X-Forwarded-For at every wrong password
    for n in range(5):
        login(session_from("127.0.0.12"), direct, other.email, "salah-salah", forwarded_for=f"198.51.100.{n}")
    # then the forged addresses were ignored: its own address is locked out
    assert login(session_from("127.0.0.12"), direct, other.email, DEFAULT_PASSWORD, forwarded_for="10.1.1.1") == 429


def test_a_broker_outage_loses_no_message(receiver):
    # given a participant and a platform listening for webhooks
    (card,) = cards(1, "out")
    platform = Partner()
    listing = ListingFactory.create(partner=platform.partner, course__price=100_000, price=100_000)
    webhook_endpoint_create(partner=platform.partner, url=receiver.url, actor=SYSTEM)
    broker = env("CLUSTER_REDIS_PORT")
    start_broker = [
        "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", broker, "--save", "",
        "--appendonly", "no", "--dir", str(STATE), "--pidfile", str(STATE / "run/redis-broker.pid"),
        "--logfile", str(STATE / "log/redis-broker.log"),
    ]  # fmt: skip

    def broker_down() -> None:
        subprocess.run(["redis-cli", "-p", broker, "shutdown", "nosave"], check=False, capture_output=True)
        assert wait_until(lambda: subprocess.run(["redis-cli", "-p", broker, "ping"], capture_output=True).returncode)

    def broker_up() -> None:
        subprocess.run(start_broker, check=True)
        assert wait_until(
            lambda: subprocess.run(["redis-cli", "-p", broker, "ping"], capture_output=True).returncode == 0
        )

    try:
        # when the purchase is created while Redis is down (and replayed by the platform)
        broker_down()
        key = str(uuid.uuid4())
        created = platform.call(
            "POST",
            "/api/v1/purchases/",
            {"card_number": card.number, "platform_account_id": buyer(card.number), "listing": listing.pk},
            key,
        )
        replay = platform.call(
            "POST",
            "/api/v1/purchases/",
            {"card_number": card.number, "platform_account_id": buyer(card.number), "listing": listing.pk},
            key,
        )
        assert created.status_code == 201, created.text
        assert replay.json()["id"] == created.json()["id"]
        purchase_id = created.json()["id"]
        assert OutboxMessage.objects.filter(reference=f"purchase-otp:{purchase_id}", status="pending").exists()
        # then once it is back, the sweeper (beat) relays the code
        broker_up()
        code = code_for(card.applicant.phone, purchase_id, timeout=150)
        # when the purchase is confirmed while Redis is down again
        broker_down()
        confirmed = platform.call("POST", f"/api/v1/purchases/{purchase_id}/confirm/", {"otp": code})
        assert confirmed.status_code == 200, confirmed.text
        assert not receiver.events or all(t != "purchase.confirmed" for _i, t in receiver.events)
    finally:
        broker_up()
    # then after it returns the webhook sweeper (beat, every ten minutes; run now) delivers the
    # platform's webhook, once
    from partners.webhooks.tasks import webhooks_sweep

    webhooks_sweep.delay()
    assert wait_until(lambda: any(t == "purchase.confirmed" for _i, t in receiver.events), timeout=60), receiver.events
    time.sleep(2)
    assert len(receiver.events) == len(set(receiver.events))
    assert SandboxMessage.objects.filter(reference=f"purchase-otp:{purchase_id}").count() == 1
    assert not WebhookDelivery.objects.filter(event__partner=platform.partner, status="pending").exists()


def test_a_disbursement_survives_a_killed_payouts_worker_and_pays_each_instalment_once():
    # given 400 participants whose first instalment is due (set up through PgBouncer)
    selected = cards(400, "pay")
    course = CourseFactory.create()
    accounts = accounts_ensure_bulk(kind=AccountKind.PARTICIPANT_INCENTIVE, owner_refs=[str(c.pk) for c in selected])
    now = __import__("django.utils.timezone", fromlist=["now"]).now()
    Entitlement.objects.bulk_create(
        Entitlement(card=c, first_course_id=course.pk, completed_at=now, reviewed_at=now, scheduled_at=now,
                    account_id=accounts[str(c.pk)])
        for c in selected
    )  # fmt: skip
    channels = [PayoutChannel.BNI, PayoutChannel.BRI, PayoutChannel.MANDIRI, PayoutChannel.BCA]
    PayoutAccount.objects.bulk_create(
        PayoutAccount(applicant_id=c.applicant_id, channel=channels[c.pk % 4], account_number=f"{7_000_000_000 + c.pk}",
                      holder_name=f"PESERTA {c.pk}", match=AccountMatch.EXACT, status=PayoutAccountStatus.ACTIVE,
                      activated_at=now)
        for c in selected
    )  # fmt: skip
    Instalment.objects.bulk_create(
        Instalment(card=c, kind=InstalmentKind.POST_TRAINING, number=1, amount=600_000, due_on=now.date())
        for c in selected
    )
    instalments_make_due()
    # when finance starts the run (here, through PgBouncer) and the payouts worker is killed mid-run
    run = disbursement_run_create()
    assert run is not None
    payouts = Payout.objects.filter(run=run)
    assert wait_until(lambda: payouts.exclude(status=PayoutStatus.CREATED).count() >= 50, timeout=120)
    pidfile = STATE / "run/worker-payouts.pid"
    main = int(pidfile.read_text())
    children = subprocess.run(["pgrep", "-P", str(main)], capture_output=True, text=True).stdout.split()
    for pid in [main, *map(int, children)]:
        os.kill(pid, signal.SIGKILL)
    pidfile.unlink()
    sent_when_killed = payouts.exclude(status=PayoutStatus.CREATED).count()
    assert sent_when_killed < len(selected)
    celery("worker", "-Q", "payouts", "-n", "payouts@%h", "--concurrency=1", "--detach", f"--pidfile={pidfile}",
           f"--logfile={STATE / 'log/worker-payouts.log'}", "--loglevel=INFO")  # fmt: skip
    # then every instalment is paid, exactly once (the sweeper hands the dead worker's chunk on)
    assert wait_until(
        lambda: Instalment.objects.filter(card__in=selected, status="paid").count() == len(selected), timeout=400
    ), Payout.objects.filter(run=run).values("status").annotate(n=Count("pk"))
    per_instalment = (
        Payout.objects.filter(instalment__card__in=selected, status=PayoutStatus.SUCCEEDED)
        .values("instalment")
        .annotate(n=Count("pk"))
    )
    assert {row["n"] for row in per_instalment} == {1}
    assert len(per_instalment) == len(selected)
    assert ledger_check().ok
    # and no advisory lock was left behind on the primary
    assert advisory_locks() == "0"


def staff_session(group: str) -> str:
    """A staff member's session that has passed its second factor (as after the TOTP page)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from prakerja.accounts.security import LAST_SEEN

    user = StaffUserFactory.create(group=group)
    device = TOTPDevice.objects.create(user=user, name="cluster", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[LAST_SEEN] = int(time.time())
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def replica_counter() -> int:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", env("CLUSTER_PG_REPLICA_PORT"), "-U", "postgres", "-d", "prakerja", "-tAc",
         "SELECT tup_returned FROM pg_stat_database WHERE datname = 'prakerja'"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return int(out.strip())


def web_workers_rss_kib() -> int:
    total = 0
    for port in env("CLUSTER_WEB_PORTS").split():
        master = (STATE / f"run/web-{port}.pid").read_text().strip()
        for child in subprocess.run(["pgrep", "-P", master], capture_output=True, text=True).stdout.split():
            with open(f"/proc/{child}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return total


ROWS = int(os.environ.get("CLUSTER_EXPORT_ROWS", "1000000"))


def test_a_million_row_export_streams_from_the_replica_with_flat_memory():
    from django.db import connection
    from django.utils import timezone

    from applicants.models import Complaint, Step
    from tests.factories import ApplicantFactory

    # given a million complaints, replicated to the standby
    applicant = ApplicantFactory.create(reached=Step.READY)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO applicants_complaint (applicant_id, category, subject, body, purchase_ref, status, attachment,
                                              created_at, due_at, updated_at)
            SELECT %s, 'purchase', 'Pengaduan nomor ' || g, 'isi', '', 'open', '', %s, %s, %s
            FROM generate_series(1, %s) AS g
            """,
            [applicant.pk, now, now, now, ROWS],
        )
    try:
        total = Complaint.objects.count()
        assert wait_until(
            lambda: primary_sql("SELECT pg_current_wal_lsn() <= replay_lsn FROM pg_stat_replication") == "t",
            timeout=120,
        )
        cookie = staff_session("auditor")
        before = replica_counter()
        # when the desk's export is downloaded through HAProxy to the end
        started = time.perf_counter()
        response = requests.get(
            portal() + "/admin/applicants/complaint/export.csv", headers={"Cookie": cookie}, stream=True, timeout=600
        )
        assert response.status_code == 200, response.text[:500]
        lines = 0
        at_100k = 0
        for chunk in response.iter_content(chunk_size=1 << 16):
            lines += chunk.count(b"\n")
            if not at_100k and lines >= 100_000:
                at_100k = web_workers_rss_kib()
        elapsed = time.perf_counter() - started
        growth = web_workers_rss_kib() - at_100k
        # then every row came, read on the replica, with the web workers' memory flat
        assert lines == total + 1
        assert replica_counter() - before >= ROWS
        assert growth < 40 * 1024, f"web workers grew by {growth} KiB"
        print(f"\nexport: {lines - 1} rows in {elapsed:.1f} s through HAProxy/PgBouncer from the replica; "
              f"web workers' RSS growth after 100k rows: {growth} KiB")  # fmt: skip
    finally:
        Complaint.objects.filter(applicant=applicant).delete()


def test_with_the_replica_stopped_readers_fall_back_and_writers_go_on():
    # given a participant and a platform, and the replica stopped
    (card,) = cards(1, "rep")
    platform = Partner()
    listing = ListingFactory.create(partner=platform.partner, course__price=100_000, price=100_000)
    pgbin = subprocess.run(["bash", "-c", "ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1"],
                           capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    data = STATE / "pg" / "pg-replica"
    subprocess.run(["runuser", "-u", "postgres", "--", f"{pgbin}/pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop"],
                   check=True, capture_output=True)  # fmt: skip
    time.sleep(6)  # past the moment a web worker trusts its last good check of the replica
    try:
        # when the public catalogue (read from the replica) is opened on each web instance
        # (each its own query string: a page in the page cache would not read the database)
        pages = [requests.get(portal() + f"/pelatihan/?visit={uuid.uuid4()}", timeout=60) for _ in range(4)]
        # then it is served from the primary
        assert [p.status_code for p in pages] == [200] * 4
        assert {p.headers["X-Served-By"] for p in pages} == {"web1", "web2"}
        # and an export (replica first) and a purchase (primary only) go on
        cookie = staff_session("auditor")
        export = requests.get(portal() + "/admin/applicants/complaint/export.csv", headers={"Cookie": cookie},
                              timeout=60)  # fmt: skip
        assert export.status_code == 200
        created = platform.call(
            "POST",
            "/api/v1/purchases/",
            {"card_number": card.number, "platform_account_id": buyer(card.number), "listing": listing.pk},
        )
        assert created.status_code == 201, created.text
    finally:
        log = str(STATE / "pg" / "log/pg-replica.log")
        start = ["runuser", "-u", "postgres", "--", f"{pgbin}/pg_ctl", "-D", str(data), "-l", log, "-w", "start"]
        subprocess.run(start, check=True, capture_output=True)
    # then, the replica back, the catalogue is read there again (after the retry pause)
    time.sleep(31)
    before = replica_counter()
    assert requests.get(portal() + f"/pelatihan/?visit={uuid.uuid4()}", timeout=30).status_code == 200
    assert requests.get(portal() + f"/pelatihan/?visit={uuid.uuid4()}", timeout=30).status_code == 200
    assert replica_counter() > before
