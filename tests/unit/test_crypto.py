"""Field encryption: round trip, key rotation, and blind indexes that survive rotation."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from sunshine.crypto import FieldCipher

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_values_round_trip_and_ciphertext_hides_plaintext() -> None:
    cipher = FieldCipher([OLD], "index-key")
    token = cipher.encrypt("jane@example.org")
    assert "jane" not in token
    assert cipher.decrypt(token) == "jane@example.org"


def test_rotation_re_encrypts_under_the_newest_key() -> None:
    token = FieldCipher([OLD], "k").encrypt("555-12-3456")
    both = FieldCipher([NEW, OLD], "k")
    rotated = both.rotate(token)
    assert FieldCipher([NEW], "k").decrypt(rotated) == "555-12-3456"
    with pytest.raises(ValueError, match="cannot be decrypted"):
        FieldCipher([NEW], "k").decrypt(token)


def test_blind_index_is_normalised_keyed_and_independent_of_encryption_keys() -> None:
    a = FieldCipher([OLD], "index-key").blind_index(" Jane@Example.org ")
    b = FieldCipher([NEW], "index-key").blind_index("jane@example.org")
    assert a == b
    assert FieldCipher([OLD], "other-key").blind_index("jane@example.org") != a
