"""Attack: a staff member who knows only the password (a phished or leaked password, no
phone) tries to reach staff data without the second factor, with STAFF_2FA_REQUIRED on.

Tried: a client-sent `SCRIPT_NAME` header through the real gunicorn server (it used to make
`request.path` differ from the routed `PATH_INFO`, so a URL-prefix check never fired); other
underscore headers smuggled into WSGI keys; the admin with the redirecting middleware out of
the way (the admin site itself must refuse); and the staff pages outside /admin/ (KTP photo,
complaint photo, "refresh now")."""

import json
import time
import urllib.error
import urllib.request

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from applicants.complaints.selectors import complaint_attachment_url
from applicants.complaints.services import complaint_file
from applicants.models import Step
from applicants.registration.selectors import ktp_photo_url
from prakerja.core.uploads import PRIVATE_FILE_LINK_MAX_AGE_S
from tests.factories import ApplicantFactory, StaffUserFactory
from tests.images import jpeg
from tests.server import database_env, gunicorn


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, headers: dict[str, str]) -> tuple[int, str, str]:
    """(status, Location, body) of one GET, redirects not followed."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, response.headers.get("Location", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), error.read().decode()


@pytest.mark.server
@pytest.mark.xdist_group("browser")
@pytest.mark.django_db(transaction=True)
def test_a_script_name_header_does_not_skip_the_second_factor(staff_groups):
    # given a verifier with a password-only session (no code entered) and applicants on file
    verifier = StaffUserFactory.create(group="verifier")
    ApplicantFactory.create(reached=Step.PERSONAL)
    client = Client()
    client.force_login(verifier)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    env = {
        **database_env(),
        "STAFF_2FA_REQUIRED": "true",
    }
    with gunicorn(env=env) as base:
        # when the admin is asked for directly, and under a prefix announced by SCRIPT_NAME
        plain = fetch(base + "/admin/applicants/applicant/", {"Cookie": cookie})
        prefixed = [
            fetch(base + path, {"Cookie": cookie, "SCRIPT_NAME": "/zz"})
            for path in ("/zz/admin/", "/zz/admin/applicants/applicant/", "/admin/applicants/applicant/")
        ]

    # then every answer is the way to the code page, never the applicants list
    assert plain[0] == 302
    assert plain[1].startswith("/admin/2fa/"), plain[:2]
    for status, location, body in prefixed:
        assert status in (302, 404), (status, location)
        assert "applicant" not in body.lower() or status == 404
        if status == 302:
            assert "/admin/2fa/" in location or "/admin/login/" in location, location


@pytest.mark.server
@pytest.mark.xdist_group("browser")
def test_gunicorn_maps_only_the_protocols_underscore_header():
    # given the server started with the project's gunicorn configuration
    with gunicorn("tests.echo_wsgi:application", ready_path="/") as base:
        # when a client sends CGI names and other underscore headers beside client_code
        status, _location, body = fetch(
            base + "/zz/anything",
            {
                "client_code": "myclient_code",
                "SCRIPT_NAME": "/zz",
                "PATH_INFO": "/admin/",
                "REMOTE_USER": "admin",
                "X_Forwarded_For": "10.0.0.1",
                "X_Forwarded_Proto": "https",
            },
        )
        # and the hyphenated twin of the protocol's header, which would merge into its key
        _status, _location, twin_body = fetch(base + "/", {"client_code": "mine", "client-code": "smuggled"})
    seen = json.loads(body)
    twin = json.loads(twin_body)

    # then only the protocol's header reaches the application; the prefix stays empty
    assert status == 200
    assert seen["HTTP_CLIENT_CODE"] == "myclient_code"
    assert seen["SCRIPT_NAME"] == ""
    assert seen["PATH_INFO"] == "/zz/anything"
    assert "REMOTE_USER" not in seen
    assert "HTTP_X_FORWARDED_FOR" not in seen
    assert "HTTP_X_FORWARDED_PROTO" not in seen
    assert twin["HTTP_CLIENT_CODE"] == "mine"


@pytest.mark.django_db
def test_the_admin_site_itself_refuses_an_unverified_session(settings, staff_groups):
    # given the redirecting middleware out of the way, as if a path trick got past it
    settings.STAFF_2FA_REQUIRED = True
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("StaffTwoFactorMiddleware")]
    verifier = StaffUserFactory.create(group="verifier")
    client = Client()
    client.force_login(verifier)

    # when a password-only session opens an admin page, an admin view of its own, and the login page
    listing = client.get("/admin/applicants/applicant/")
    login = client.get(listing["Location"])
    refresh = client.post("/admin/dashboard/refresh/")

    # then the admin site sends it to the login page, which sends it on to the code page
    assert listing.status_code == 302
    assert listing["Location"].startswith("/admin/login/")
    assert login.status_code == 302
    assert login["Location"].startswith("/admin/2fa/?next=")
    assert "%2Fadmin%2Fapplicants%2Fapplicant%2F" in login["Location"]
    assert refresh.status_code == 302
    assert refresh["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_a_script_name_in_the_environ_does_not_change_request_path(settings, staff_groups):
    # given a password-only staff session and a WSGI server that passes a SCRIPT_NAME through
    settings.STAFF_2FA_REQUIRED = True
    client = Client()
    client.force_login(StaffUserFactory.create(group="verifier"))

    # when the admin is asked for under that prefix
    response = client.get("/admin/applicants/applicant/", SCRIPT_NAME="/zz")

    # then the second factor is still asked for
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/2fa/")


@pytest.mark.django_db
def test_staff_files_outside_the_admin_need_the_second_factor(settings, staff_groups):
    # given an applicant's KTP photo and complaint photo, and a verifier with a password-only session
    settings.STAFF_2FA_REQUIRED = True
    applicant = ApplicantFactory.create(reached=Step.PERSONAL)
    applicant.ktp_photo.save("ktp.jpg", jpeg(), save=True)
    complaint = complaint_file(
        applicant=applicant, category="other", subject="Foto", body="Lihat lampiran.", attachment=jpeg()
    )
    verifier = StaffUserFactory.create(group="verifier")
    client = Client()
    client.force_login(verifier)

    # when it opens the KTP photo and the complaint photo by their links
    ktp = client.get(ktp_photo_url(applicant=applicant))
    attachment = client.get(complaint_attachment_url(complaint=complaint))

    # then neither is served
    assert ktp.status_code == 404
    assert attachment.status_code == 404

    # and once the session passed the second factor, both are
    device = TOTPDevice.objects.create(user=verifier, name="Authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert client.get(ktp_photo_url(applicant=applicant)).status_code == 200
    assert client.get(complaint_attachment_url(complaint=complaint)).status_code == 200


@pytest.mark.django_db
def test_personal_files_cannot_be_reached_by_counting_ids(staff_groups):
    # given a verifier (allowed to see KTP photos) and an applicant with a photo
    applicant = ApplicantFactory.create(reached=Step.PERSONAL)
    applicant.ktp_photo.save("ktp.jpg", jpeg(), save=True)
    client = Client()
    client.force_login(StaffUserFactory.create(group="verifier"))

    # when it walks the old sequential URLs, or forges and reuses tokens
    by_id = [
        client.get(f"/ktp/{applicant.pk}/").status_code,
        client.get(f"/pengaduan/{applicant.pk}/lampiran/").status_code,
    ]
    link = ktp_photo_url(applicant=applicant)
    token = link.rstrip("/").rsplit("/", 1)[1]
    forged = client.get(f"/ktp/{token[:-2]}xx/")
    other_kind = client.get(f"/pengaduan/lampiran/{token}/")

    # then nothing is served except through the signed link
    assert by_id[0] == 404
    assert by_id[1] in (404, 302)  # (the complaint pages are for applicants: staff go to the login)
    assert forged.status_code == 404
    assert other_kind.status_code == 404
    assert client.get(link).status_code == 200


@pytest.mark.django_db
def test_a_personal_file_link_stops_working_after_an_hour(monkeypatch, settings, staff_groups):
    # given a verifier's link to a KTP photo (and a session that does not idle out meanwhile)
    settings.STAFF_IDLE_TIMEOUT_S = 10**6
    applicant = ApplicantFactory.create(reached=Step.PERSONAL)
    applicant.ktp_photo.save("ktp.jpg", jpeg(), save=True)
    client = Client()
    client.force_login(StaffUserFactory.create(group="verifier"))
    link = ktp_photo_url(applicant=applicant)
    assert client.get(link).status_code == 200

    # when it is opened later than PRIVATE_FILE_LINK_MAX_AGE_S (copied into a ticket, say)
    later = time.time() + PRIVATE_FILE_LINK_MAX_AGE_S + 1
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)

    # then it no longer opens
    assert client.get(link).status_code == 404
