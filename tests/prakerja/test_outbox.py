"""Messages go through the outbox (prakerja/messaging): written with the change, relayed after
commit, swept when the relay was lost. Through a real broker outage in tests/cluster."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from prakerja.messaging.models import OutboxMessage, OutboxStatus, SandboxMessage
from prakerja.messaging.services import email_send_after_commit, outbox_sweep, sms_send_after_commit
from prakerja.messaging.tasks import email_send, sms_send

LATER = dt.timedelta(minutes=4)


@pytest.fixture
def broker_down(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**kwargs: object) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for task in (sms_send, email_send):
        monkeypatch.setattr(task, "delay", refuse)


@pytest.fixture
def broker_up(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Tasks run here, as a worker would, and are listed."""
    ran: list[str] = []
    for task in (sms_send, email_send):

        def run(task=task, **kwargs: object) -> None:
            ran.append(str(kwargs["reference"]))
            task.apply(kwargs=kwargs, throw=True)

        monkeypatch.setattr(task, "delay", run)
    return ran


@pytest.mark.django_db
def test_a_rolled_back_change_has_told_nobody(broker_up):
    # given a change that fails after queuing its SMS
    def change() -> None:
        with transaction.atomic():
            sms_send_after_commit(to="+6281200000001", text="Kode 123456", reference="otp:1")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change()
    # then there is no message to send, now or later
    assert not OutboxMessage.objects.exists()
    assert outbox_sweep(now=timezone.now() + LATER) == 0


@pytest.mark.django_db(transaction=True)
def test_a_message_survives_a_broker_outage_at_commit(monkeypatch, broker_down):
    # given the broker is down when a change commits with an SMS and an email
    with transaction.atomic():
        sms_send_after_commit(to="+6281200000001", text="Kode 123456", reference="purchase-otp:7")
        email_send_after_commit(to="budi@contoh.id", subject="Kode", body="Kode 123456", reference="purchase-otp:7")
    # then the change committed without an error, and both messages wait in the outbox
    assert set(OutboxMessage.objects.values_list("channel", "status")) == {("sms", "pending"), ("email", "pending")}
    assert not SandboxMessage.objects.exists()
    # when the broker is back and the sweeper runs (too early first: the relay may still come)
    monkeypatch.undo()
    monkeypatch.setattr(sms_send, "delay", lambda **kw: sms_send.apply(kwargs=kw, throw=True))
    monkeypatch.setattr(email_send, "delay", lambda **kw: email_send.apply(kwargs=kw, throw=True))
    assert outbox_sweep() == 0
    assert outbox_sweep(now=timezone.now() + LATER) == 2
    # then each was delivered once, and the sent rows keep no text (it held a code)
    assert sorted(SandboxMessage.objects.values_list("channel", flat=True)) == ["email", "sms"]
    assert set(OutboxMessage.objects.values_list("status", "body")) == {(OutboxStatus.SENT, "")}
    assert outbox_sweep(now=timezone.now() + 2 * LATER) == 0


@pytest.mark.django_db(transaction=True)
def test_the_relay_after_commit_sends_it_and_the_sweeper_leaves_it(broker_up):
    # given a committed change whose relay worked
    with transaction.atomic():
        sms_send_after_commit(to="+6281200000001", text="Kode 654321", reference="otp:9")
        # the same reference twice is one message
        sms_send_after_commit(to="+6281200000001", text="Kode 654321", reference="otp:9")
    # then it was sent once and nothing is left for the sweeper
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT
    assert SandboxMessage.objects.count() == 1
    assert outbox_sweep(now=timezone.now() + LATER) == 0


@pytest.mark.django_db
def test_the_sweeper_gives_up_after_a_day(broker_up):
    # given a message that never could be sent
    sms_send_after_commit(to="+6281200000001", text="Kode 111111", reference="otp:3")
    # when a day has passed, then it is given up, not sent
    assert outbox_sweep(now=timezone.now() + dt.timedelta(days=1, minutes=1)) == 0
    assert OutboxMessage.objects.get().status == OutboxStatus.FAILED
