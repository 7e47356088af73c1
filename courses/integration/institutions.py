"""Institutions as the integration protocol reads them: once per server process, reused while
nothing changed them. Every call asks Redis, in the round trip it makes anyway for the replay
guard and the institution's counter, whether an institution or a sign key was saved since
(`institutions_changed`, bumped by courses.apps on every save and delete of either, and by the
key services' bulk updates); a process that sees a new version reads the institution and its
keys again before it answers. INSTITUTION_CACHE_SECONDS bounds what a write that bumps nothing
(QuerySet.update() elsewhere, raw SQL) can leave unseen."""

import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction

from courses.models import TrainingInstitution

INSTITUTION_CACHE_SECONDS = 10
INSTITUTIONS_VERSION = "integration-institutions-version"
_MAX_CACHED = 1000  # unknown client codes are cached too (as None): a flood of them stays bounded


@dataclass
class _Cached:
    institution: TrainingInstitution | None
    version: bytes | None
    read_at: float


_institutions: dict[str, _Cached] = {}
_redis: list[Any] = []


def redis_client() -> Any:
    # One client per process (the cache backend builds one per call; the pool behind is shared).
    if not _redis:
        _redis.append(cache._cache.get_client(write=True))  # type: ignore[attr-defined]
    return _redis[0]


def version_key() -> str:
    return cache.make_and_validate_key(INSTITUTIONS_VERSION)


def institutions_changed() -> None:
    """Every process reads institutions and their keys from the database again on its next call."""
    redis_client().incr(version_key())
    _institutions.clear()


def institutions_changed_now_and_on_commit(**_: Any) -> None:
    """For a change being made: now (this transaction's own calls, e.g. in tests) and once it
    commits (a process may have read the old row again in between)."""
    institutions_changed()
    transaction.on_commit(institutions_changed)


def institution_for(client_code: str, *, reload: bool = False) -> TrainingInstitution | None:
    cached = _institutions.get(client_code)
    if cached is not None and not reload and time.monotonic() - cached.read_at < INSTITUTION_CACHE_SECONDS:
        return cached.institution
    # The version first: a change committed after this read bumps it again.
    version = redis_client().get(version_key())
    institution = next(iter(TrainingInstitution.objects.filter(client_code=client_code)[:1]), None)
    if len(_institutions) >= _MAX_CACHED:
        _institutions.clear()
    _institutions[client_code] = _Cached(institution=institution, version=version, read_at=time.monotonic())
    return institution


def institution_is_fresh(client_code: str, version: bytes | None) -> bool:
    """Whether this process's copy was read under the version Redis holds now."""
    cached = _institutions.get(client_code)
    return cached is not None and cached.version == version
