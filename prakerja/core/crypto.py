"""Encryption at rest for personal identifiers (NIK, KK) and their blind indexes.

- Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256). FIELD_ENCRYPTION_KEYS is a list:
  the first key encrypts, every key decrypts (MultiFernet), so a key is rotated by putting a
  new one first, running `manage.py rotate_field_keys`, then removing the old one.
- Files of personal photos (selfies, the live frames of failed face checks) and the face
  descriptors are encrypted with the same keys (`encrypt_bytes`); `rotate_field_keys`
  re-encrypts them too (prakerja/core/key_rotation.py).
- What rotation guarantees: once every token has been re-encrypted and the old key removed
  from FIELD_ENCRYPTION_KEYS (and from every copy of the settings), nothing the portal stores
  now can be read with the old key, and the portal no longer reads anything written with it;
  the superseded files are deleted. It does not reach copies made before the rotation
  (database backups, old file versions in the bucket): those stay readable to whoever holds
  both a copy and the old key, until they expire. Destroy the old key only after the backups
  made under it have expired, or accept that those backups become unreadable.
- Uniqueness and exact lookups use a blind index: HMAC-SHA256 of the normalised value under
  BLIND_INDEX_KEY, a separate key. It reveals equality only, and only to holders of the key.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_value(value: str) -> bytes:
    return _current().encrypt(value.encode())


def decrypt_value(token: bytes | memoryview) -> str:
    return _current().decrypt(bytes(token)).decode()


def encrypt_bytes(value: bytes) -> bytes:
    """Files kept encrypted at rest (selfies): the same keys and rotation as the fields."""
    return _current().encrypt(value)


def decrypt_bytes(token: bytes | memoryview) -> bytes:
    return _current().decrypt(bytes(token))


def reencrypt_value(token: bytes | memoryview) -> bytes:
    """The same plaintext under the current primary key (for key rotation)."""
    return _current().rotate(bytes(token))


@lru_cache(maxsize=4)
def _primary_fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def reencrypt_if_stale(token: bytes | memoryview) -> bytes | None:
    """The token under the current primary key, or None when it already is (a rotation run a
    second time, or a value written after the new key was put first, is not rewritten)."""
    data = bytes(token)
    try:
        _primary_fernet(settings.FIELD_ENCRYPTION_KEYS[0]).decrypt(data)
    except InvalidToken:
        return _current().rotate(data)
    return None


def primary_key_fingerprint() -> str:
    """Names the current primary key without revealing it (a rotation's checkpoints belong to
    the key they rotate to)."""
    key = settings.FIELD_ENCRYPTION_KEYS[0].encode()
    return hashlib.sha256(b"field-key-fingerprint:" + key).hexdigest()[:16]


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash for equality lookups. `purpose` separates NIK and KK namespaces."""
    key = settings.BLIND_INDEX_KEY.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def mask_identifier(value: str) -> str:
    """`3201********0001`: region and serial stay readable, the birth date does not."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
