"""JWTs: access, refresh and session tokens. HS256 only — the algorithm is pinned."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt

ALGORITHM = "HS256"
ISSUER = "oshara"
TokenType = Literal["access", "refresh", "session", "events"]
"""``events``: a short-lived ticket for one session's event stream (a URL parameter)."""


class TokenError(Exception):
    """The token is malformed, expired, of the wrong type or badly signed."""


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime


def _key(secret: str, typ: TokenType) -> str:
    # Distinct keys per token type: a session token can never pass as an access token.
    return f"{secret}:{typ}"


def issue(
    secret: str, typ: TokenType, subject: str, ttl_seconds: int, **claims: Any
) -> IssuedToken:
    now = datetime.now(UTC)
    exp = now + timedelta(seconds=ttl_seconds)
    jti = uuid.uuid4().hex
    payload = {
        "iss": ISSUER,
        "typ": typ,
        "sub": subject,
        "jti": jti,
        "iat": int(now.timestamp()),
        "exp": int(exp.timestamp()),
        **claims,
    }
    token = jwt.encode(payload, _key(secret, typ), algorithm=ALGORITHM)
    return IssuedToken(token=token, jti=jti, expires_at=exp.replace(microsecond=0))


def decode(secret: str, typ: TokenType, token: str, *, verify_exp: bool = True) -> dict[str, Any]:
    """Verify and return the claims; ``verify_exp=False`` only for tokens already consumed."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            _key(secret, typ),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "jti", "typ"], "verify_exp": verify_exp},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("token has expired") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("token is invalid") from exc
    if claims.get("typ") != typ:
        raise TokenError("token is of the wrong type")
    return claims
