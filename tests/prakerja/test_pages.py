import pytest
from django.test import Client
from django.urls import reverse

from prakerja.messaging.models import Channel, SandboxMessage

pytestmark = pytest.mark.django_db


def test_landing_page_speaks_indonesian_by_default():
    response = Client().get("/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "id"
    assert "Kartu Prakerja" in response.content.decode()
    assert "Cara kerjanya" in response.content.decode()


def test_landing_page_switches_to_english():
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get("/")
    assert response.headers["Content-Language"] == "en"
    assert "How it works" in response.content.decode()


def test_admin_login_shows_the_programme_name():
    response = Client().get("/admin/login/")
    assert response.status_code == 200
    assert "Kartu Prakerja" in response.content.decode()


def test_staff_reach_the_admin_index(staff_groups):
    from tests.factories import StaffUserFactory

    staff = StaffUserFactory.create(group="auditor")
    client = Client()
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Jejak audit" in response.content.decode()


def test_dev_inbox_does_not_exist_without_debug():
    assert Client().get("/dev/inbox/").status_code == 404


def test_dev_inbox_lists_sandbox_messages_with_debug(settings):
    settings.DEBUG = True
    SandboxMessage.objects.create(channel=Channel.SMS, reference="r1", to="+6281234567890", body="Kode OTP: 123456")
    response = Client().get("/dev/inbox/?channel=sms")
    assert response.status_code == 200
    assert "Kode OTP: 123456" in response.content.decode()
