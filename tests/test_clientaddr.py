"""The client address: the socket peer, or X-Forwarded-For only through trusted proxies."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from oshara.clientaddr import client_address, parse_trusted_proxies, resolve_client_address
from oshara.config import Settings


def _request(peer: str | None, xff: list[str]) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"x-forwarded-for", v.encode()) for v in xff],
        "client": (peer, 5000) if peer else None,
    }
    return Request(scope)


def test_no_proxies_configured_uses_the_peer_and_ignores_xff() -> None:
    settings = Settings(env="test", trusted_proxies="")
    assert client_address(_request("198.51.100.9", ["1.2.3.4"]), settings) == "198.51.100.9"


def test_spoofed_xff_from_an_untrusted_peer_is_ignored() -> None:
    settings = Settings(env="test", trusted_proxies="10.0.0.0/8")
    req = _request("203.0.113.50", ["192.0.2.1, 10.0.0.1"])
    assert client_address(req, settings) == "203.0.113.50"


def test_trusted_peer_takes_the_rightmost_untrusted_hop() -> None:
    settings = Settings(env="test", trusted_proxies="10.0.0.0/8, 172.16.0.5")
    # The client prepended a forged "6.6.6.6"; the proxy appended the real address.
    req = _request("10.1.2.3", ["6.6.6.6, 198.51.100.7, 172.16.0.5"])
    assert client_address(req, settings) == "198.51.100.7"


def test_several_header_lines_are_one_list() -> None:
    spec = "10.0.0.0/8"
    assert resolve_client_address("10.0.0.2", ["6.6.6.6", "198.51.100.7"], spec) == "198.51.100.7"


def test_all_hops_trusted_gives_the_leftmost() -> None:
    assert resolve_client_address("10.0.0.2", ["10.0.0.9, 10.0.0.3"], "10.0.0.0/8") == "10.0.0.9"


def test_trusted_peer_without_xff_is_the_peer() -> None:
    assert resolve_client_address("10.0.0.2", [], "10.0.0.0/8") == "10.0.0.2"


def test_garbage_hop_stops_the_walk() -> None:
    assert resolve_client_address("10.0.0.2", ["junk, 10.0.0.7"], "10.0.0.0/8") == "10.0.0.7"


def test_ports_brackets_and_mapped_ipv6() -> None:
    spec = "::1/128, 127.0.0.1"
    assert resolve_client_address("::1", ["[2001:db8::5]:443"], spec) == "2001:db8::5"
    assert resolve_client_address("127.0.0.1", ["198.51.100.7:5000"], spec) == "198.51.100.7"
    assert resolve_client_address("::ffff:198.51.100.8", [], spec) == "198.51.100.8"


def test_non_ip_peer_and_missing_peer() -> None:
    assert resolve_client_address("testclient", ["1.2.3.4"], "10.0.0.0/8") == "testclient"
    settings = Settings(env="test")
    assert client_address(_request(None, []), settings) == "unknown"


def test_bad_trusted_proxies_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="not-a-cidr"):
        parse_trusted_proxies("10.0.0.0/8, not-a-cidr")
    with pytest.raises(ValueError, match="OSHARA_TRUSTED_PROXIES"):
        Settings(env="test", trusted_proxies="nope")
