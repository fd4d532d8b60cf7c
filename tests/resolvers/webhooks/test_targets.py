"""Where webhooks may send (`resolvers.webhooks.targets`): every kind of private
address is refused, link-local ones even when private ones are allowed."""

from __future__ import annotations

import pytest

from resolvers.webhooks.targets import UnsafeTarget, check_target

REFUSED_ALWAYS = [
    "https://169.254.169.254/latest/meta-data",  # the cloud metadata service
    "https://[::a9fe:a9fe]/hook",  # the same, IPv4-compatible
    "https://[fe80::1]/hook",
    "https://[::ffff:169.254.169.254]/hook",
    "https://0.0.0.0/hook",
    "https://224.0.0.1/hook",
    "https://user:secret@example.com/hook",
    "ftp://example.com/hook",
    "not a url",
]
PRIVATE = [
    "https://127.0.0.1/hook",
    "https://localhost:8443/hook",
    "https://10.1.2.3/hook",
    "https://172.16.0.1/hook",
    "https://192.168.1.10/hook",
    "https://[::1]/hook",
    "https://[fd00::1]/hook",
    "https://100.64.0.1/hook",  # carrier-grade NAT: not global
    # IPv6 that carries a private IPv4 address, which a relay on the way would reach:
    "https://[2002:7f00:1::]/hook",  # 6to4 for 127.0.0.1
    "https://[2002:a00:1::]/hook",  # 6to4 for 10.0.0.1
    "https://[64:ff9b:1::a00:1]/hook",  # local-use NAT64 for 10.0.0.1
    "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",  # Teredo, client 127.0.0.1
]


@pytest.mark.parametrize("url", REFUSED_ALWAYS + PRIVATE + ["http://93.184.216.34/hook"])
async def test_unsafe_targets_are_refused(url: str):
    with pytest.raises(UnsafeTarget):
        await check_target(url, allow_private=False)


@pytest.mark.parametrize("url", REFUSED_ALWAYS)
async def test_link_local_and_malformed_targets_are_refused_even_in_development(url: str):
    with pytest.raises(UnsafeTarget):
        await check_target(url, allow_private=True)


@pytest.mark.parametrize("url", [*PRIVATE, "http://127.0.0.1:8080/hook"])
async def test_development_allows_loopback_private_and_http(url: str):
    await check_target(url, allow_private=True)


async def test_a_public_address_is_accepted():
    await check_target("https://93.184.216.34/hooks/dealflow", allow_private=False)
