"""Registration through the real server: account creations per second with the production
password hasher (Argon2id, 19 MiB, t=2), and every page of the journey timed."""

import io
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
import requests
from django.contrib.auth.hashers import make_password
from django.db import connection
from PIL import Image

from prakerja.messaging.models import SandboxMessage
from tests.benchmarks.load import CpuMeter, Http, Result, load_average, run_load
from tests.celery_worker import celery_worker
from tests.factories import QuestionFactory
from tests.server import MASTER_PIDS, gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

ACCOUNTS = 600
CLIENTS = 8
JOURNEYS = 40
PASSWORD = "Belajar-Terus-2026"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def server_env() -> dict[str, str]:
    db = connection.settings_dict
    return {
        "DJANGO_SETTINGS_MODULE": "prakerja.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "RATELIMIT_REGISTRATION": "1000000/m",
        "PAGE_CACHE_SECONDS": "60",  # as deployed (the registration form comes from the page cache)
        "WEB_ACCESS_LOG": "",
    }


def form_post(
    session: requests.Session, url: str, data: dict[str, str], files: dict[str, tuple[str, bytes, str]] | None = None
) -> requests.Response:
    page = session.get(url)
    token = CSRF.search(page.text)
    assert token, url
    response = session.post(
        url, data={"csrfmiddlewaretoken": token.group(1), **data}, allow_redirects=False, files=files
    )
    # Every step answers a valid form with a redirect; a 200 is the form again, with errors.
    assert response.status_code == 302, (
        url,
        response.status_code,
        re.findall(r'class="error"[^>]*>([^<]+)', response.text),
    )
    return response


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def test_password_hash_cost(report):
    started = time.perf_counter()
    for _ in range(20):
        make_password(PASSWORD)
    report(
        "registration.argon2id_hash", (time.perf_counter() - started) / 20 * 1000, "ms", parameters="m=19MiB,t=2,p=1"
    )


def test_account_creations_per_second(report, regions):
    with gunicorn(env=server_env(), workers=4) as base:
        meter = CpuMeter(roots={"gunicorn": MASTER_PIDS[base]})

        def create(n: int, http: Http) -> list[Result]:
            status, page, response = http.request("GET", "/daftar/")
            assert status == 200
            match = CSRF.search(page.decode())
            assert match is not None
            cookie = SimpleCookie()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie.load(header)
            data = urlencode(
                {
                    "csrfmiddlewaretoken": match.group(1),
                    "email": f"bench{n}@contoh.id",
                    "password1": PASSWORD,
                    "password2": PASSWORD,
                    "terms": "on",
                }
            ).encode()
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join(f"{k}={v.value}" for k, v in cookie.items()),
            }
            began = time.perf_counter()
            status, body, _ = http.request("POST", "/daftar/", body=data, headers=headers)
            elapsed = time.perf_counter() - began
            assert status == 302, body[:300]
            return [Result("post", elapsed)]

        outcome = run_load(
            create,
            operations=ACCOUNTS,
            clients=CLIENTS,
            processes=2,
            setup=lambda slot: Http(base),
            meter=meter,
            profile="registration",
        )
    latencies = outcome.latencies("post")
    report(
        "registration.accounts_per_second",
        ACCOUNTS / outcome.wall,
        "accounts/s",
        size=ACCOUNTS,
        clients=CLIENTS,
        server="gunicorn 4 sync workers",
        load_generator="2 forked client processes x 4 threads (http.client), same 2 cores",
        note="each account is a GET of the form plus the POST",
        p99_ms=round(percentile(latencies, 99) * 1000, 1),
        client_cpu_ms_per_op=round(outcome.client_cpu_s / ACCOUNTS * 1000, 2),
        load_average=load_average(),
        **meter.per_operation_ms(ACCOUNTS),
    )
    report("registration.post_latency_median", statistics.median(latencies) * 1000, "ms", size=ACCOUNTS)
    report("registration.post_latency_p95", percentile(latencies, 95) * 1000, "ms", size=ACCOUNTS)


def jpeg_bytes() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (856, 540), (170, 200, 235)).save(output, format="JPEG")
    return output.getvalue()


def wait_for(to: str, pattern: str) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for body in SandboxMessage.objects.filter(to=to).order_by("-created_at").values_list("body", flat=True):
            if match := re.search(pattern, body):
                return match.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no message for {to}")


def journey(
    base: str, n: int, timed: Callable[[str, Callable[[], requests.Response]], requests.Response], photo: bytes
) -> None:
    """One applicant through every page, each request timed."""
    s = requests.Session()
    email = f"journey{n}@contoh.id"
    phone = f"+628129{n:07d}"
    nik = f"3273011705{95 if n % 2 else 94}{n + 1:04d}"
    identity = {
        "nik": nik,
        "kk_number": f"3273010101{n + 1:06d}",
        "full_name": "Budi Santoso",
        "birth_date": f"19{94 + n % 2}-05-17",
    }
    account = {"email": email, "password1": PASSWORD, "password2": PASSWORD, "terms": "on"}
    personal = {
        "address": "Jl. Braga No. 10",
        "province": "32",
        "regency": "3273",
        "education": "sma",
        "marital_status": "single",
        "dependants": "0",
        "employment_status": "laid_off",
        "training_interests": "digital",
        "honesty_declared": "on",
    }
    timed("GET /daftar/", lambda: s.get(base + "/daftar/"))
    timed("POST /daftar/", lambda: form_post(s, base + "/daftar/", account))
    link = wait_for(email, r"https?://[^/]+(/verifikasi-email/\S+/)")
    timed("GET verification link", lambda: s.get(base + link))
    timed("GET /dasbor/", lambda: s.get(base + "/dasbor/"))
    timed("POST /identitas/", lambda: form_post(s, base + "/identitas/", identity))
    timed("POST /kontak/", lambda: form_post(s, base + "/kontak/", {"phone": phone}))
    code = wait_for(phone, r"\b(\d{6})\b")
    timed("POST /kontak/verifikasi/", lambda: form_post(s, base + "/kontak/verifikasi/", {"code": code}))
    timed("GET /data-pribadi/", lambda: s.get(base + "/data-pribadi/"))
    files = {"ktp_photo": ("ktp.jpg", photo, "image/jpeg")}
    timed("POST /data-pribadi/ (with KTP photo)", lambda: form_post(s, base + "/data-pribadi/", personal, files=files))
    timed("POST /tes/ (start)", lambda: form_post(s, base + "/tes/", {"start": "1"}))
    page = s.get(base + "/tes/").text
    answers = dict.fromkeys(set(re.findall(r'name="(q\d+)"', page)), "1")
    timed("POST /tes/ (submit)", lambda: form_post(s, base + "/tes/", {"submit": "1", **answers}))
    final = timed("GET /dasbor/ (ready)", lambda: s.get(base + "/dasbor/"))
    assert 'data-step="ready"' in final.text


def test_journey_page_timings(report, regions, tmp_path):
    QuestionFactory.create_batch(20)
    timings: dict[str, list[float]] = defaultdict(list)
    photo = jpeg_bytes()

    def timed(name: str, call: Callable[[], requests.Response]) -> requests.Response:
        started = time.perf_counter()
        response = call()
        timings[name].append(time.perf_counter() - started)
        assert response.status_code < 400, (name, response.status_code, response.text[:300])
        return response

    with gunicorn(env=server_env(), workers=4) as base, celery_worker(tmp_path, queue="default", concurrency=2):
        for n in range(JOURNEYS):
            journey(base, n, timed, photo)
    for name, values in timings.items():
        report(
            f"registration.page {name}",
            statistics.median(values) * 1000,
            "ms median",
            p95_ms=round(percentile(values, 95) * 1000, 1),
            size=len(values),
        )
