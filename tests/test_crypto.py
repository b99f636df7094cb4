"""SecretBox (encryption at rest), token hashing and random tokens."""

from __future__ import annotations

import hashlib
import re

import pytest

from oshara.crypto import SecretBox, SecretBoxError, hash_token, random_token

KEY = "test-secret-key-0123456789abcdefghijklmnop"


def test_round_trip_and_unicode() -> None:
    box = SecretBox(KEY)
    for plaintext in ["your-shared-secret", "", "Bearer ünïcødé ✓ 秘密", "x" * 10_000]:
        assert box.decrypt(box.encrypt(plaintext)) == plaintext


def test_ciphertext_is_ascii_does_not_contain_plaintext_and_differs_each_time() -> None:
    box = SecretBox(KEY)
    a, b = box.encrypt("your-shared-secret"), box.encrypt("your-shared-secret")
    assert a != b
    assert a.isascii() and "your-shared-secret" not in a


def test_same_secret_key_derives_same_key() -> None:
    assert SecretBox(KEY).decrypt(SecretBox(KEY).encrypt("s")) == "s"


def test_wrong_key_is_a_clear_error() -> None:
    token = SecretBox(KEY).encrypt("s")
    with pytest.raises(SecretBoxError, match="different secret key"):
        SecretBox(KEY + "-other").decrypt(token)


@pytest.mark.parametrize("bad", ["", "not-a-token", "gAAAAA", "ünïcødé"])
def test_garbage_is_a_clear_error(bad: str) -> None:
    with pytest.raises(SecretBoxError):
        SecretBox(KEY).decrypt(bad)


def test_tampering_is_detected() -> None:
    box = SecretBox(KEY)
    token = box.encrypt("your-shared-secret")
    i = len(token) // 2
    tampered = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
    with pytest.raises(SecretBoxError):
        box.decrypt(tampered)


def test_secret_box_error_is_a_value_error() -> None:
    assert issubclass(SecretBoxError, ValueError)


def test_key_rotation_old_values_still_decrypt() -> None:
    old = SecretBox("old-key-0123456789abcdefghijklmnopqrst")
    token = old.encrypt("legacy")
    rotated = SecretBox(KEY, old_secret_keys=["old-key-0123456789abcdefghijklmnopqrst"])
    assert rotated.decrypt(token) == "legacy"
    # New values use the new key only.
    with pytest.raises(SecretBoxError):
        old.decrypt(rotated.encrypt("new"))
    assert SecretBox(KEY).decrypt(rotated.encrypt("new")) == "new"


def test_empty_secret_key_refused() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        SecretBox("")


def test_hash_token_is_sha256_hex() -> None:
    assert hash_token("abc") == hashlib.sha256(b"abc").hexdigest()
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert hash_token("osk_a") != hash_token("osk_b")


def test_random_token_prefix_length_alphabet_and_uniqueness() -> None:
    token = random_token("osk_")
    assert token.startswith("osk_")
    assert re.fullmatch(r"osk_[A-Za-z0-9_-]{43}", token)  # 32 bytes -> 43 base64url chars
    assert re.fullmatch(r"sess_[A-Za-z0-9_-]{22}", random_token("sess_", 16))
    assert len({random_token("x_", 16) for _ in range(200)}) == 200
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", random_token())


def test_random_token_refuses_weak_sizes() -> None:
    with pytest.raises(ValueError):
        random_token("x_", 4)
