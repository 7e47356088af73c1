"""Behaviour shared by the sandbox providers: latency, transient failures, and timeouts after
which the message was in fact delivered (the case that makes retries dangerous)."""

import random
import time

from django.conf import settings


class ProviderError(Exception):
    """A transient provider failure: nothing was delivered, retrying is safe."""


class ProviderTimeout(ProviderError):
    """No answer in time. The message may or may not have been delivered."""


def sandbox_pause() -> None:
    latency_ms = settings.SANDBOX_LATENCY_MS
    if latency_ms:
        # Real providers answer in a spread around their typical latency.
        time.sleep(random.uniform(0.5, 1.5) * latency_ms / 1000)


def sandbox_fails() -> bool:
    return random.random() < settings.SANDBOX_FAILURE_RATE


def sandbox_times_out() -> bool:
    return random.random() < settings.SANDBOX_TIMEOUT_RATE
