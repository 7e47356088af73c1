import pytest

from prakerja.messaging.models import Channel, SandboxMessage
from prakerja.messaging.sandbox import ProviderError, ProviderTimeout
from prakerja.messaging.sms import SandboxSmsGateway
from prakerja.messaging.tasks import email_send

pytestmark = pytest.mark.django_db


def test_sandbox_sms_is_delivered_once_per_reference():
    gateway = SandboxSmsGateway()
    first = gateway.send(to="+6281234567890", text="Kode: 111111", reference="otp-1")
    second = gateway.send(to="+6281234567890", text="Kode: 111111", reference="otp-1")
    assert first == second
    assert SandboxMessage.objects.filter(channel=Channel.SMS).count() == 1


def test_sandbox_sms_failure_delivers_nothing(settings):
    settings.SANDBOX_FAILURE_RATE = 1.0
    with pytest.raises(ProviderError):
        SandboxSmsGateway().send(to="+6281234567890", text="x", reference="otp-2")
    assert not SandboxMessage.objects.exists()


def test_sandbox_sms_timeout_may_still_have_delivered(settings):
    # A timeout after acceptance is the case that makes blind resends dangerous.
    settings.SANDBOX_TIMEOUT_RATE = 1.0
    with pytest.raises(ProviderTimeout):
        SandboxSmsGateway().send(to="+6281234567890", text="x", reference="otp-3")
    assert SandboxMessage.objects.filter(reference="otp-3").exists()


def test_email_goes_to_the_sandbox_inbox(settings):
    settings.EMAIL_BACKEND = "prakerja.messaging.backends.SandboxEmailBackend"
    email_send.run(to="budi@contoh.id", subject="Verifikasi email", body="Klik tautan ini", reference="verify-1")
    email_send.run(to="budi@contoh.id", subject="Verifikasi email", body="Klik tautan ini", reference="verify-1")
    message = SandboxMessage.objects.get(channel=Channel.EMAIL)
    assert (message.to, message.subject) == ("budi@contoh.id", "Verifikasi email")
