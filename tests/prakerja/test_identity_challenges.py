"""Liveness challenges: issued by the server for one attempt, shown again while pending, used
once, expiring after LIVENESS_CHALLENGE_TTL_S, bound to the person, the purpose and the
attempt; each new one in another order than the last."""

import datetime as dt

import pytest
from django.utils import timezone
from pytest_django.fixtures import SettingsWrapper

from prakerja.identity.challenges import (
    FACE_CHECK,
    ORDERS,
    SELFIE,
    ChallengeRefused,
    challenge_issue,
    challenge_use,
)
from prakerja.identity.models import LivenessChallenge
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_challenge_is_three_steps_in_a_random_order_used_once() -> None:
    # given a person shown the selfie page
    user = UserFactory.create()
    issued = challenge_issue(user_id=user.pk, purpose=SELFIE)
    # then the steps are one of the six orders of left, right and blink, and only a hash is kept
    assert issued.steps in ORDERS
    row = LivenessChallenge.objects.get()
    assert issued.token not in row.token_hash
    # when the burst comes back with it, the steps are given once
    assert challenge_use(token=issued.token, user_id=user.pk, purpose=SELFIE) == issued.steps
    # and a second burst with the same token is refused
    with pytest.raises(ChallengeRefused) as refused:
        challenge_use(token=issued.token, user_id=user.pk, purpose=SELFIE)
    assert refused.value.reason == "challenge_used"


def test_an_expired_challenge_is_refused(settings: SettingsWrapper) -> None:
    user = UserFactory.create()
    issued = challenge_issue(user_id=user.pk, purpose=SELFIE)
    LivenessChallenge.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ChallengeRefused) as refused:
        challenge_use(token=issued.token, user_id=user.pk, purpose=SELFIE)
    assert refused.value.reason == "challenge_expired"


def test_it_expires_two_minutes_after_it_was_issued() -> None:
    user = UserFactory.create()
    before = timezone.now()
    issued = challenge_issue(user_id=user.pk, purpose=SELFIE)
    assert dt.timedelta(seconds=119) < issued.expires_at - before <= dt.timedelta(seconds=121)


def test_no_challenge_another_persons_or_another_attempts_is_refused() -> None:
    owner, other = UserFactory.create(), UserFactory.create()
    issued = challenge_issue(user_id=owner.pk, purpose=FACE_CHECK, subject="link:1")
    for token, user, purpose, subject, reason in (
        ("", owner.pk, FACE_CHECK, "link:1", "challenge_missing"),
        (issued.token, other.pk, FACE_CHECK, "link:1", "challenge_unknown"),  # somebody else's
        (issued.token, owner.pk, FACE_CHECK, "link:2", "challenge_unknown"),  # another session's link
        (issued.token, owner.pk, SELFIE, "", "challenge_unknown"),  # another journey
        ("made-up", owner.pk, FACE_CHECK, "link:1", "challenge_unknown"),
    ):
        with pytest.raises(ChallengeRefused) as refused:
            challenge_use(token=token, user_id=user, purpose=purpose, subject=subject)
        assert refused.value.reason == reason
    # and the owner's own is still usable after all that
    assert challenge_use(token=issued.token, user_id=owner.pk, purpose=FACE_CHECK, subject="link:1")


def test_showing_the_page_again_keeps_the_steps_and_retires_the_older_token() -> None:
    user = UserFactory.create()
    first = challenge_issue(user_id=user.pk, purpose=SELFIE)
    again = challenge_issue(user_id=user.pk, purpose=SELFIE)
    # then reloading draws no new order (no fishing for a wanted one)
    assert again.steps == first.steps
    assert again.expires_at == first.expires_at
    with pytest.raises(ChallengeRefused):
        challenge_use(token=first.token, user_id=user.pk, purpose=SELFIE)
    assert challenge_use(token=again.token, user_id=user.pk, purpose=SELFIE) == first.steps


def test_each_new_challenge_differs_from_the_last() -> None:
    # given a person who takes many attempts one after the other
    user = UserFactory.create()
    previous: tuple[str, ...] = ()
    seen = set()
    for _ in range(40):
        issued = challenge_issue(user_id=user.pk, purpose=SELFIE)
        # then no challenge repeats the one just used, so that attempt's burst cannot be replayed
        assert issued.steps != previous
        challenge_use(token=issued.token, user_id=user.pk, purpose=SELFIE)
        previous = issued.steps
        seen.add(issued.steps)
    assert len(seen) >= 4  # drawn at random among the six
    assert LivenessChallenge.objects.count() == 1  # only the newest is kept


def test_a_pending_challenge_about_to_expire_is_replaced() -> None:
    user = UserFactory.create()
    first = challenge_issue(user_id=user.pk, purpose=SELFIE)
    LivenessChallenge.objects.update(expires_at=timezone.now() + dt.timedelta(seconds=10))
    fresh = challenge_issue(user_id=user.pk, purpose=SELFIE)
    assert fresh.steps != first.steps
    assert fresh.expires_at - timezone.now() > dt.timedelta(seconds=100)
