"""Origin normalisation and allowed-origin patterns."""

from __future__ import annotations

import pytest

from oshara.characters.origins import (
    ANY_ORIGIN,
    normalize_origin,
    normalize_origin_pattern,
    origin_allowed,
    origin_matches,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://yoursite.com", "https://yoursite.com"),
        ("https://yoursite.com/", "https://yoursite.com"),
        ("  https://yoursite.com\n", "https://yoursite.com"),  # pasted whitespace trimmed
        ("HTTPS://YourSite.COM", "https://yoursite.com"),
        ("https://yoursite.com:443", "https://yoursite.com"),
        ("http://yoursite.com:80/", "http://yoursite.com"),
        ("http://yoursite.com:443", "http://yoursite.com:443"),
        ("https://yoursite.com:80", "https://yoursite.com:80"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://[::1]:3000", "http://[::1]:3000"),
        ("http://[0:0:0:0:0:0:0:1]", "http://[::1]"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
        ("https://BÜCHER.example", "https://xn--bcher-kva.example"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
        ("https://faß.de", "https://xn--fa-hia.de"),  # UTS 46 non-transitional, like browsers
        ("https://例え.jp", "https://xn--r8jz45g.jp"),
    ],
)
def test_normalize_origin(raw: str, expected: str) -> None:
    assert normalize_origin(raw) == expected
    assert normalize_origin(expected) == expected  # idempotent


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", "empty"),
        ("yoursite.com", "scheme://host"),
        ("//yoursite.com", "scheme://host"),
        ("ftp://yoursite.com", "http or https"),
        ("chrome-extension://abc", "http or https"),
        ("null", "scheme://host"),
        ("https://yoursite.com/path", "path"),
        ("https://yoursite.com//", "path"),
        ("https://yoursite.com/?q=1", "query"),
        ("https://yoursite.com?", "query"),
        ("https://yoursite.com#top", "fragment"),
        ("https://user:pw@yoursite.com", "user info"),
        ("https://user@yoursite.com", "user info"),
        ("https://", "no host"),
        ("https://:8080", "no host"),
        ("https://yoursite.com:0", "port"),
        ("https://yoursite.com:65536", "port"),
        ("https://yoursite.com:http", "port"),
        ("https://yoursite.com:", "port"),
        ("https://your site.com", "whitespace"),
        ("https://your_site.com", "host name"),
        ("https://-yoursite.com", "host name"),
        ("https://yoursite..com", "host name"),
        ("https://yoursite.com.", "host name"),
        ("https://[::1", "IPv6"),
        ("https://[nope]", "IPv6"),
        ("https://*.yoursite.com", "wildcard"),
        ("https://" + "a" * 300 + ".com", "longer than"),
    ],
)
def test_normalize_origin_rejects(raw: str, problem: str) -> None:
    with pytest.raises(ValueError, match="origin") as info:
        normalize_origin(raw)
    assert problem in str(info.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("*", "*"),
        (" * ", "*"),
        ("https://*.Example.com/", "https://*.example.com"),
        ("https://*.example.com:8443", "https://*.example.com:8443"),
        ("http://*.localhost:3000", "http://*.localhost:3000"),
        ("https://*.bücher.example", "https://*.xn--bcher-kva.example"),
        ("https://Shop.Example.com", "https://shop.example.com"),
    ],
)
def test_normalize_origin_pattern(raw: str, expected: str) -> None:
    assert normalize_origin_pattern(raw) == expected


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("https://a.*.example.com", "first label"),
        ("https://*example.com", "first label"),
        ("https://*.*.example.com", "first label"),
        ("https://*", "first label"),
        ("https://*.com", "too broad"),
        ("https://*.127.0.0.1", "IP address"),
        ("*.example.com", "scheme://host"),
        ("https://*.example.com/path", "path"),
        ("**", "scheme://host"),
    ],
)
def test_normalize_origin_pattern_rejects(raw: str, problem: str) -> None:
    with pytest.raises(ValueError) as info:
        normalize_origin_pattern(raw)
    assert problem in str(info.value)


WILDCARD = ["https://*.example.com"]


@pytest.mark.parametrize(
    ("origin", "patterns", "allowed"),
    [
        ("https://yoursite.com", ["https://yoursite.com"], True),
        ("https://YourSite.com", ["https://yoursite.com/"], True),  # both sides normalised
        ("https://yoursite.com:443", ["https://yoursite.com"], True),
        ("http://yoursite.com", ["https://yoursite.com"], False),  # scheme matters
        ("https://yoursite.com:8443", ["https://yoursite.com"], False),  # port matters
        ("https://www.yoursite.com", ["https://yoursite.com"], False),
        ("https://evil.com", ["https://yoursite.com"], False),
        ("https://shop.example.com", WILDCARD, True),
        ("https://a.b.example.com", WILDCARD, True),
        ("https://example.com", WILDCARD, False),  # apex is not a subdomain
        ("https://evilexample.com", WILDCARD, False),
        ("https://example.com.evil.com", WILDCARD, False),
        ("https://shop.example.com.evil", WILDCARD, False),
        ("http://shop.example.com", WILDCARD, False),
        ("https://shop.example.com:8443", WILDCARD, False),
        ("https://shop.example.com:8443", ["https://*.example.com:8443"], True),
        ("https://example.com:8443", ["https://*.example.com:8443"], False),
        ("https://anything.test", ["*"], True),
        ("http://localhost:5173", ["*"], True),
        (None, ["*"], True),
        ("null", ["*"], True),
        (None, ["https://yoursite.com"], False),
        ("null", ["https://yoursite.com"], False),
        ("garbage", ["https://yoursite.com"], False),
        ("https://yoursite.com", [], False),
        ("https://yoursite.com", ["not a pattern", "https://yoursite.com"], True),
        ("https://yoursite.com", ["not a pattern"], False),
        ("https://xn--bcher-kva.example", ["https://bücher.example"], True),
    ],
)
def test_origin_allowed(origin: str | None, patterns: list[str], allowed: bool) -> None:
    assert origin_allowed(origin, patterns) is allowed


def test_origin_allowed_accepts_any_iterable() -> None:
    assert origin_allowed("https://a.example.com", (p for p in WILDCARD))


def test_origin_matches_on_normalised_values() -> None:
    assert origin_matches("https://a.example.com", "https://*.example.com")
    assert not origin_matches("https://example.com", "https://*.example.com")
    assert origin_matches("https://x.y", ANY_ORIGIN)
    assert origin_matches("https://x.y", "https://x.y")
    assert not origin_matches("nonsense", "https://*.example.com")
