"""Argon2id password hashing."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_PASSWORD_LENGTH = 12


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"], memory_cost=config["ARGON2_MEMORY_COST"], type=Type.ID
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:  # an invited account with no password yet: as slow as any other answer
        dummy_verify(password)
        return False
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


# A constant hash verified when an email is unknown, so a login takes the same time
# whether or not the account exists.
def dummy_verify(password: str) -> None:
    extensions = current_app.extensions
    if "sunshine.dummy_hash" not in extensions:  # hashed once: a hash per call would itself be a tell
        extensions["sunshine.dummy_hash"] = hash_password("not-a-password")
    verify_password(extensions["sunshine.dummy_hash"], password)
