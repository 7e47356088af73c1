"""SMS behind an adapter. The sandbox gateway is the default; a real one implements send()."""

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from prakerja.messaging.models import Channel, SandboxMessage
from prakerja.messaging.sandbox import ProviderError, ProviderTimeout, sandbox_fails, sandbox_pause, sandbox_times_out


class SmsGateway(Protocol):
    def send(self, *, to: str, text: str, reference: str) -> str:
        """Deliver `text` to the E.164 number `to`; `reference` is the idempotency key.
        Returns the provider's message id. Raises ProviderError (safe to retry)."""
        ...


class SandboxSmsGateway:
    def send(self, *, to: str, text: str, reference: str) -> str:
        sandbox_pause()
        if sandbox_fails():
            raise ProviderError("sandbox: SMS provider unavailable")
        message, _created = SandboxMessage.objects.get_or_create(
            channel=Channel.SMS, reference=reference, defaults={"to": to, "body": text}
        )
        if sandbox_times_out():
            raise ProviderTimeout("sandbox: SMS provider timed out after accepting the message")
        return f"sandbox-sms-{message.pk}"


def sms_gateway() -> SmsGateway:
    gateway: SmsGateway = import_string(settings.SMS_GATEWAY)()
    return gateway
