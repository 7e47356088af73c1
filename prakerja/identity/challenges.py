"""Liveness challenges against replayed video (issue 22).

Each attempt (the selfie; the face check of one attendance link) gets, when its page is shown,
a challenge the server chose: the order of three steps, "turn your head left", "turn your head
right" and "blink" (six orders), shown on the page while the burst is taken and checked in the
frames by `faces.liveness_check`. The challenge is a row (`LivenessChallenge`) bound to the
person, the purpose and the attempt's subject, used once (the attempt's POST consumes it before
any face work), expiring after LIVENESS_CHALLENGE_TTL_S (2 minutes). The page carries a random
token; the row keeps only its SHA-256.

- Showing the page again while a challenge is pending gives the same steps (a new token: the
  older page's token no longer works), so reloading does not draw new orders; a new challenge
  comes after the last was used or expired, and its order is never the last one's, so the burst
  of the attempt just made, replayed, never follows the next challenge.
- A burst without a token, with an unknown, another person's, another attempt's, a used or an
  expired one is refused (`ChallengeRefused`) before anything is analysed or counted.

What it defeats: a video of the person (blinking, or an earlier attempt's burst) played through
a virtual camera: it shows no turns, or turns in another order. What it does not: a modified
client that assembles, from a rich enough recording of the person (or a live deepfake), frames
that follow the steps shown; six orders also mean a recording of one earlier challenge matches
a later one now and then (never the next one). See docs/architecture.md.
"""

import datetime as dt
import hashlib
import itertools
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from prakerja.identity.models import LivenessChallenge

SELFIE = "selfie"
FACE_CHECK = "face_check"
ORDERS: tuple[tuple[str, ...], ...] = tuple(itertools.permutations(("left", "right", "blink")))
# A pending challenge with less time left than this is not shown again: a new one is issued.
MIN_TIME_LEFT = dt.timedelta(seconds=30)


class ChallengeRefused(Exception):
    """The burst's challenge cannot be used; `reason`: challenge_missing, challenge_unknown,
    challenge_used, challenge_expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IssuedChallenge:
    token: str
    steps: tuple[str, ...]
    expires_at: dt.datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def challenge_issue(*, user_id: int, purpose: str, subject: str = "") -> IssuedChallenge:
    """The challenge for the page of this person's attempt: the pending one (same steps, a new
    token) or a new one, in another order than the last one issued for this purpose."""
    now = timezone.now()
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        latest = (
            LivenessChallenge.objects.select_for_update()
            .filter(user_id=user_id, purpose=purpose)
            .order_by("-created_at", "-pk")
            .first()
        )
        if (
            latest is not None
            and latest.subject == subject
            and latest.used_at is None
            and latest.expires_at - now >= MIN_TIME_LEFT
        ):
            latest.token_hash = token_hash(token)
            latest.save(update_fields=["token_hash"])
            return IssuedChallenge(token, tuple(latest.steps), latest.expires_at)
        previous = tuple(latest.steps) if latest is not None else ()
        steps = secrets.choice([order for order in ORDERS if order != previous])
        # Only the newest is kept per person and purpose (the next must differ from it).
        LivenessChallenge.objects.filter(user_id=user_id, purpose=purpose).delete()
        created = LivenessChallenge.objects.create(
            user_id=user_id,
            purpose=purpose,
            subject=subject,
            token_hash=token_hash(token),
            steps=list(steps),
            expires_at=now + dt.timedelta(seconds=settings.LIVENESS_CHALLENGE_TTL_S),
        )
    return IssuedChallenge(token, steps, created.expires_at)


def challenge_use(*, token: str, user_id: int, purpose: str, subject: str = "") -> tuple[str, ...]:
    """The steps of this attempt's challenge, which is used up by this call; `ChallengeRefused`
    when there is none to use."""
    if not token:
        raise ChallengeRefused("challenge_missing")
    now = timezone.now()
    with transaction.atomic():
        found = (
            LivenessChallenge.objects.select_for_update()
            .filter(token_hash=token_hash(token), user_id=user_id, purpose=purpose, subject=subject)
            .first()
        )
        if found is None:
            raise ChallengeRefused("challenge_unknown")
        if found.used_at is not None:
            raise ChallengeRefused("challenge_used")
        if found.expires_at <= now:
            raise ChallengeRefused("challenge_expired")
        found.used_at = now
        found.save(update_fields=["used_at"])
    return tuple(found.steps)
