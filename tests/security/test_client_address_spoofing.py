"""Attack: behind the load balancer every request reaches gunicorn from the balancer's
address. Without the trusted-proxy rule one attacker's five wrong passwords lock a finance
approver out for everybody (django-axes keys on username + address), a registration rate
limit becomes a national quota, and the audit trail records the balancer. The other way
round, a client that talks to gunicorn directly tries to choose its own address with a
forged X-Forwarded-For, to dodge a lock-out. Both through the real gunicorn server: the
balancer is a peer at 127.0.0.2 (TRUSTED_PROXIES), a direct client connects from 127.0.0.1."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

from prakerja.audit.models import AuditEvent
from tests.factories import DEFAULT_PASSWORD, StaffUserFactory
from tests.server import database_env, gunicorn

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]

BALANCER = "127.0.0.2"
DIRECT = "127.0.0.1"


class SourceAddressAdapter(HTTPAdapter):
    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(source: str, forwarded_for: str | None = None) -> requests.Session:
    session = requests.Session()
    session.mount("http://", SourceAddressAdapter(source))
    if forwarded_for:
        session.headers["X-Forwarded-For"] = forwarded_for
    return session


def admin_login(base: str, session: requests.Session, email: str, password: str) -> int:
    session.get(base + "/admin/login/", timeout=10)
    token = session.cookies["csrftoken"]
    response = session.post(
        base + "/admin/login/?next=/admin/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )
    return response.status_code


@pytest.fixture(scope="module")
def base(django_db_setup: None) -> Iterator[str]:
    env = {
        **database_env(),
        "TRUSTED_PROXIES": f"{BALANCER}/32",
        "RATELIMIT_REGISTRATION": "3/m",
    }
    with gunicorn(env=env, workers=2) as url:
        yield url


def test_one_clients_wrong_passwords_behind_the_balancer_lock_out_only_that_client(base, staff_groups):
    # given a finance approver, and an attacker guessing their password through the balancer
    approver = StaffUserFactory.create(group="finance")
    attacker = session_from(BALANCER, forwarded_for="198.51.100.66")
    for _ in range(5):
        admin_login(base, attacker, approver.email, "salah-salah")  # the fifth is answered 429

    # when the approver logs in through the same balancer from their own address
    status = admin_login(base, session_from(BALANCER, forwarded_for="198.51.100.7"), approver.email, DEFAULT_PASSWORD)

    # then they are in, the attacker's address is locked out, and the trail names each address
    assert status == 302
    assert admin_login(base, session_from(BALANCER, "198.51.100.66"), approver.email, DEFAULT_PASSWORD) == 429
    assert set(AuditEvent.objects.filter(action="staff.login_failed").values_list("ip_address", flat=True)) == {
        "198.51.100.66"
    }
    assert AuditEvent.objects.get(action="staff.login").ip_address == "198.51.100.7"


def test_a_direct_client_cannot_choose_its_address(base, staff_groups):
    # given a client that talks to gunicorn directly and forges a new X-Forwarded-For each try
    approver = StaffUserFactory.create(group="finance")
    for n in range(5):
        forger = session_from(DIRECT, forwarded_for=f"203.0.113.{n}")
        admin_login(base, forger, approver.email, "salah-salah")

    # when it tries once more with yet another forged address
    status = admin_login(base, session_from(DIRECT, "203.0.113.99"), approver.email, DEFAULT_PASSWORD)

    # then it is locked out: its address is the one it connects from
    assert status == 429
    assert set(AuditEvent.objects.filter(action="staff.login_failed").values_list("ip_address", flat=True)) == {DIRECT}


def test_a_forged_hop_in_front_of_the_balancers_is_ignored(base, staff_groups):
    # given an attacker who sends its own X-Forwarded-For through the balancer, which appends
    approver = StaffUserFactory.create(group="finance")
    for n in range(5):
        forger = session_from(BALANCER, forwarded_for=f"203.0.113.{n}, 198.51.100.66")
        admin_login(base, forger, approver.email, "salah-salah")

    # then the address the balancer saw (the right-most untrusted hop) is the one locked out
    status = admin_login(base, session_from(BALANCER, "10.9.9.9, 198.51.100.66"), approver.email, DEFAULT_PASSWORD)
    assert status == 429


def test_registration_limits_count_per_client_behind_the_balancer(base):
    # given a registration limit of 3 a minute per address, used up by one client
    def register(client: str) -> int:
        session = session_from(BALANCER, forwarded_for=client)
        session.get(base + "/daftar/", timeout=10)
        response = session.post(
            base + "/daftar/",
            data={"csrfmiddlewaretoken": session.cookies["csrftoken"], "email": "bukan-email"},
            allow_redirects=False,
            timeout=10,
        )
        return response.status_code

    assert [register("198.51.100.20") for _ in range(4)][-1] == 429

    # when another client registers through the same balancer, then it is not refused
    assert register("198.51.100.21") != 429
