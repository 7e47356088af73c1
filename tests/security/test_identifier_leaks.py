"""Personal identifiers leaking into places that can never be cleaned (issue 18, item 9).

An exact-NIK search was a GET `q` parameter: the 16 digits went to gunicorn's access log, and an
export of the searched list audited `request.GET.urlencode()` into the append-only audit trail.
The attack here is simply to use the portal as people do, through the real gunicorn server and
a real Celery worker: register and give a NIK and KK, upload a KTP, link a payout account (and
try someone else's), file a complaint that quotes the NIK, and as PMO staff find the person by
NIK, export the list (also after typing the NIK into the ordinary search box) and reveal the
identifiers. Then no full NIK, KK or account number of these people may appear in the audit
table (every column, as text), in the access log, in the application's or the worker's logs,
or in any URL the browser was sent to."""

import io
import re
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
import requests
from django.db import connection
from PIL import Image

from applicants.models import Applicant, Card
from applicants.waves.services.selection import wave_selection_run
from prakerja.core.crypto import decrypt_value
from prakerja.messaging.models import SandboxMessage
from prakerja.payments.sandbox import sandbox_account_register
from tests.applicants.wave_setups import close
from tests.celery_worker import celery_worker
from tests.factories import DEFAULT_PASSWORD, StaffUserFactory, WaveFactory, WaveMemberFactory
from tests.server import gunicorn

pytestmark = [
    pytest.mark.server,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    # Its worker takes the broker's shared "default" queue, like the browser journeys' workers:
    # in one test process with them, so no other process's worker takes its email tasks.
    pytest.mark.xdist_group("browser"),
]

NIK = "3273015705960002"
KK = "3273010101000456"
EMAIL = "sari.wulandari@contoh.id"
PASSWORD = "Belajar-Terus-2026"
OWN_ACCOUNT = "0123456789"
OTHER_ACCOUNT = "5550001111"


def inbox(to: str, pattern: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in SandboxMessage.objects.filter(to=to).order_by("-created_at"):
            if match := re.search(pattern, message.body):
                return match.group(1)
        time.sleep(0.2)
    raise AssertionError(f"nothing matching {pattern!r} arrived for {to}")


def ktp_photo() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (856, 540), (170, 200, 235)).save(output, format="JPEG")
    return output.getvalue()


class Browser:
    """A person's browser: keeps cookies, sends the CSRF token, remembers every URL it visited."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.urls: list[str] = []

    def _seen(self, response: requests.Response) -> requests.Response:
        self.urls.extend(r.url for r in [*response.history, response])
        return response

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return self._seen(self.session.get(self.base + path, timeout=30, **kwargs))  # type: ignore[arg-type]

    def post(
        self, path: str, data: Mapping[str, object], files: Mapping[str, object] | None = None
    ) -> requests.Response:
        self.get(path) if "csrftoken" not in self.session.cookies else None
        token = self.session.cookies["csrftoken"]
        response = self.session.post(
            self.base + path,
            data={**data, "csrfmiddlewaretoken": token},
            files=files,  # type: ignore[arg-type]
            headers={"Referer": self.base + path},
            timeout=30,
        )
        return self._seen(response)


@pytest.fixture
def server(tmp_path: Path, regions: None, staff_groups: None):
    db = connection.settings_dict
    access_log = tmp_path / "access.log"
    error_log = tmp_path / "error.log"
    env = {
        "DJANGO_SETTINGS_MODULE": "prakerja.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "WEB_ACCESS_LOG": str(access_log),
        "LOG_LEVEL": "DEBUG",
    }
    extra = ["--error-logfile", str(error_log), "--capture-output", "--log-level", "debug"]
    with celery_worker(tmp_path, queue="default") as worker, gunicorn(env=env, workers=1, extra_args=extra) as base:
        yield base, access_log, error_log, worker


def participant() -> Applicant:
    wave = close(WaveFactory.create(national_quota=1))
    member = WaveMemberFactory.create(wave=wave)
    wave_selection_run(wave_id=wave.pk, seed=1)
    applicant = Card.objects.select_related("applicant__user").get(decision_id=member.pk).applicant
    applicant.full_name = "Budi Hartono"
    applicant.save(update_fields=["full_name"])
    return applicant


def test_no_full_identifier_reaches_the_audit_trail_the_logs_or_a_url(server, training_fund):
    base, access_log, error_log, worker = server

    # given an applicant who registers and gives her identity, phone and KTP photo
    sari = Browser(base)
    sari.post("/daftar/", {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD, "terms": "on"})
    link = inbox(EMAIL, r"https?://[^/\s]+(/verifikasi-email/\S+/)")
    sari.get(link)
    sari.post(
        "/identitas/",
        {"nik": NIK, "kk_number": KK, "full_name": "Sari Wulandari", "birth_date": "1996-05-17"},
    )
    sari.post("/kontak/", {"phone": "0812 3456 7891"})
    sari.post("/kontak/verifikasi/", {"code": inbox("+6281234567891", r"\b(\d{6})\b")})
    personal = {
        "address": "Jl. Braga No. 10, Bandung",
        "province": "32",
        "regency": "3273",
        "education": "sma",
        "marital_status": "single",
        "dependants": "0",
        "employment_status": "laid_off",
        "training_interests": "digital",
        "honesty_declared": "on",
    }
    sari.post("/data-pribadi/", personal, files={"ktp_photo": ("ktp.jpg", ktp_photo(), "image/jpeg")})
    applicant = Applicant.objects.get(user__email=EMAIL)
    assert applicant.nik_masked == "3273********0002"
    assert applicant.ktp_photo

    # and a participant who links a payout account (trying someone else's first) and files a
    # complaint that quotes his NIK
    budi = participant()
    budi_nik = decrypt_value(budi.nik_encrypted or b"")
    budi_kk = decrypt_value(budi.kk_encrypted or b"")
    sandbox_account_register(channel="bni", number=OTHER_ACCOUNT, holder_name="Agus Salim")
    sandbox_account_register(channel="bni", number=OWN_ACCOUNT, holder_name="Budi Hartono")
    him = Browser(base)
    him.post("/masuk/", {"username": budi.user.email, "password": DEFAULT_PASSWORD})
    refused = him.post("/insentif/rekening/", {"channel": "bni", "account_number": OTHER_ACCOUNT})
    assert "A*** S****" in refused.text
    linking = him.post("/insentif/rekening/", {"channel": "bni", "account_number": "0123-456-789"})
    assert "/kode/" in linking.url
    him.post(linking.url.removeprefix(base), {"code": inbox(budi.phone, r"rekening\S* Kartu Prakerja: (\d{6})")})
    budi.refresh_from_db()
    assert budi.payout_accounts.filter(status="active").exists()
    him.post(
        "/pengaduan/baru/",
        {"category": "other", "subject": f"Data saya NIK {budi_nik}", "body": f"KK saya {budi_kk}, mohon dicek."},
    )

    # when PMO staff find Sari by NIK, export the list, reveal her identifiers, and also (carelessly)
    # type the NIK into the ordinary search box and export that
    StaffUserFactory.create(email="verifikator@prakerja.local", group="verifier")
    staff = Browser(base)
    staff.post("/admin/login/", {"username": "verifikator@prakerja.local", "password": DEFAULT_PASSWORD})
    found = staff.post("/admin/applicants/applicant/nik-search/", {"nik": NIK})
    assert "Sari Wulandari" in found.text
    export_link = re.search(r'href="(/admin/applicants/applicant/export\.csv[^"]*)"', found.text)
    assert export_link is not None
    staff.get(export_link.group(1).replace("&amp;", "&"))
    staff.post(f"/admin/applicants/applicant/{applicant.pk}/reveal/", {})
    staff.get("/admin/applicants/complaint/export.csv")
    careless = Browser(base)
    careless.session.cookies.update(staff.session.cookies)
    careless.get("/admin/applicants/applicant/", params={"q": NIK})
    careless.get("/admin/applicants/applicant/export.csv", params={"q": NIK})

    # then no full identifier of either person is anywhere that lasts
    secrets = {"NIK": NIK, "KK": KK, "his NIK": budi_nik, "his KK": budi_kk, "account": OWN_ACCOUNT}
    secrets["other account"] = OTHER_ACCOUNT
    with connection.cursor() as cursor:
        cursor.execute("SELECT t::text FROM audit_auditevent t")
        audit = "\n".join(row[0] for row in cursor.fetchall())
    time.sleep(0.5)  # the last access-log lines
    places = {
        "audit trail": audit,
        "access log": access_log.read_text(),
        "application log": error_log.read_text(),
        "worker log": worker.log(),
        "URLs the applicant's, the participant's and the staff's browsers were sent to": "\n".join(
            sari.urls + him.urls + staff.urls
        ),
    }
    # (the trail and the logs did record the flows: the test is not vacuous)
    for action in ("applicant.reveal_identifiers", "payout_account.linked", "complaint.filed", "export.applicant"):
        assert action in audit
    assert "POST /admin/applicants/applicant/nik-search/" in places["access log"]
    assert "POST /identitas/" in places["access log"]
    leaks = [
        f"{what} in the {where}" for where, text in places.items() for what, value in secrets.items() if value in text
    ]
    assert not leaks, leaks
