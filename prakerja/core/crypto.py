"""Encryption at rest for personal identifiers (NIK, KK) and their blind indexes.

- Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256). FIELD_ENCRYPTION_KEYS is a list:
  the first key encrypts, every key decrypts (MultiFernet), so a key is rotated by putting a
  new one first, running `manage.py rotate_field_keys`, then removing the old one.
- Uniqueness and exact lookups use a blind index: HMAC-SHA256 of the normalised value under
  BLIND_INDEX_KEY, a separate key. It reveals equality only, and only to holders of the key.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
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


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash for equality lookups. `purpose` separates NIK and KK namespaces."""
    key = settings.BLIND_INDEX_KEY.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def mask_identifier(value: str) -> str:
    """`3201********0001`: region and serial stay readable, the birth date does not."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
