"""Encryption of personal data at rest, with key rotation and blind indexes.

Values are encrypted with MultiFernet: the first configured key encrypts, every
key decrypts, so adding a new key first and re-encrypting (``rotate``) retires an
old one. Exact-match lookup (e.g. login by email) uses a keyed HMAC of the
normalised value, never the plaintext.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class FieldCipher:
    """Encrypts, decrypts, rotates and indexes field values."""

    def __init__(self, keys: list[str], index_key: str) -> None:
        if not keys or not all(keys):
            raise ValueError("At least one data encryption key is required")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        self._newest = Fernet(keys[0].encode())
        self._index_key = index_key.encode()

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str, ttl: int | None = None) -> str:
        """The plaintext of ``token``; with ``ttl``, only if it was encrypted at most ``ttl`` seconds ago."""
        try:
            return self._fernet.decrypt(token.encode(), ttl=ttl).decode()
        except InvalidToken as exc:
            raise ValueError("Stored value cannot be decrypted with the configured keys") from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` under the newest key, keeping when it was first encrypted.

        Raises ValueError when no configured key opens it."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("Stored value cannot be decrypted with the configured keys") from exc

    def under_newest_key(self, token: str) -> bool:
        """Whether ``token`` was encrypted with the newest key (the first configured)."""
        try:
            self._newest.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def blind_index(self, value: str) -> str:
        """Keyed hash of a normalised value, stable across key rotation."""
        normalised = value.strip().casefold()
        return hmac.new(self._index_key, normalised.encode(), hashlib.sha256).hexdigest()


def cipher() -> FieldCipher:
    return current_app.extensions["sunshine.cipher"]


class EncryptedText(TypeDecorator):
    """A text column stored encrypted; Python sees plaintext."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else cipher().encrypt(value)

    def process_result_value(self, value: str | None, dialect) -> str | None:
        return None if value is None else cipher().decrypt(value)
