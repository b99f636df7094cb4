"""Small cryptographic helpers: encryption of secrets at rest, token hashing, random tokens.

``SecretBox`` encrypts short secrets (tool header values, MCP credentials) with Fernet
(AES-128-CBC + HMAC-SHA256, authenticated). Its key is derived from the application secret
key with HKDF-SHA256 under a fixed, purpose-specific label, so the same secret key can also
sign JWTs without the two uses ever sharing key material.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["SecretBox", "SecretBoxError", "hash_token", "random_token"]

_HKDF_SALT = b"oshara"
_HKDF_INFO = b"oshara/secret-box/fernet/v1"


class SecretBoxError(ValueError):
    """A ciphertext could not be decrypted: it was tampered with, or the key is wrong."""


def _derive_fernet_key(secret_key: str) -> bytes:
    if not secret_key:
        raise ValueError("the application secret key must not be empty")
    raw = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=_HKDF_SALT,
        info=_HKDF_INFO,
    ).derive(secret_key.encode("utf-8"))
    return base64.urlsafe_b64encode(raw)


class SecretBox:
    """Authenticated encryption of strings under a key derived from the app secret key.

    ``old_secret_keys`` lets an operator rotate the secret key: values encrypted under any
    of them still decrypt, and new values are always encrypted under ``secret_key``.
    """

    def __init__(self, secret_key: str, old_secret_keys: Sequence[str] = ()) -> None:
        keys = [secret_key, *old_secret_keys]
        self._fernet = MultiFernet([Fernet(_derive_fernet_key(k)) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        """Encrypt ``plaintext``; the result is URL-safe ASCII and differs on every call."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        """Decrypt a value made by :meth:`encrypt`.

        Raises :class:`SecretBoxError` if the value was altered, is not a ciphertext, or was
        encrypted under a different secret key.
        """
        try:
            data = self._fernet.decrypt(ciphertext.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError) as exc:
            raise SecretBoxError(
                "cannot decrypt stored secret: it was altered or encrypted with a different "
                "secret key (was OSHARA_SECRET_KEY changed?)"
            ) from exc
        return data.decode("utf-8")


def hash_token(token: str) -> str:
    """SHA-256 hex digest of ``token``, for storing API keys and other bearer tokens.

    Tokens made by :func:`random_token` carry enough entropy that a plain, unsalted digest
    is the right tool (it allows lookup by hash); do not use this for passwords.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def random_token(prefix: str = "", nbytes: int = 32) -> str:
    """``prefix`` followed by ``nbytes`` random bytes, URL-safe base64 encoded.

    The prefix is used verbatim, e.g. ``random_token("osk_")`` or ``random_token("sess_", 16)``.
    """
    if nbytes < 8:
        raise ValueError("nbytes must be at least 8")
    return prefix + secrets.token_urlsafe(nbytes)
