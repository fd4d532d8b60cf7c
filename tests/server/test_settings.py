"""Every documented variable reaches the settings."""

from __future__ import annotations

import pytest

from server.settings import Settings


def test_storage_upload_cap_and_trash_retention_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("STORAGE_DIR", "/srv/dealflow/files")
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "2048")
    monkeypatch.setenv("TRASH_RETENTION_DAYS", "7")

    settings = Settings.from_env()

    assert settings.storage_dir == "/srv/dealflow/files"
    assert settings.file_store().max_bytes == 2048
    assert settings.trash_retention_days == 7


def test_defaults_without_the_variables(monkeypatch: pytest.MonkeyPatch):
    for name in ("STORAGE_DIR", "MAX_UPLOAD_BYTES", "TRASH_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)

    settings = Settings.from_env()

    assert (settings.storage_dir, settings.max_upload_bytes, settings.trash_retention_days) == (
        "./storage",
        10 * 1024 * 1024,
        30,
    )


def test_rate_limits_and_trusted_proxies_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("RATE_LIMITS", "false")
    monkeypatch.setenv("RATE_LIMIT_PER_TOKEN", "5/second")
    monkeypatch.setenv("RATE_LIMIT_PER_ADDRESS", "")
    monkeypatch.setenv("RATE_LIMIT_LOGINS_PER_ADDRESS", "3/minute")
    monkeypatch.setenv("RATE_LIMIT_UPLOADS_PER_USER", "9/hour")
    monkeypatch.setenv("RATE_LIMIT_SUBSCRIPTIONS_PER_USER", "7/minute")
    monkeypatch.setenv("MAX_SOCKETS_PER_USER", "4")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.1, 10.0.0.2")
    monkeypatch.setenv("LOGIN_BACKOFF_SECONDS", "3")
    monkeypatch.setenv("LOGIN_BACKOFF_MAX_SECONDS", "60")

    settings = Settings.from_env()

    assert settings.rate_limits is False
    assert [
        settings.rate_limit_per_token,
        settings.rate_limit_per_address,
        settings.rate_limit_logins_per_address,
        settings.rate_limit_uploads_per_user,
        settings.rate_limit_subscriptions_per_user,
    ] == ["5/second", "", "3/minute", "9/hour", "7/minute"]
    assert settings.max_sockets_per_user == 4
    assert settings.forwarded_allow_ips == ("10.0.0.1", "10.0.0.2")
    policy = settings.login_policy()
    assert (policy.backoff.total_seconds(), policy.max_backoff.total_seconds()) == (3, 60)


def test_no_proxy_is_trusted_by_default(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)

    assert Settings.from_env().forwarded_allow_ips == ()


def test_the_websocket_init_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("WS_INIT_TIMEOUT_SECONDS", raising=False)
    default = Settings.from_env().ws_init_timeout_seconds
    monkeypatch.setenv("WS_INIT_TIMEOUT_SECONDS", "2.5")

    assert (default, Settings.from_env().ws_init_timeout_seconds) == (10, 2.5)


def test_production_mode_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("DEALFLOW_ENV", raising=False)
    monkeypatch.delenv("ALLOW_INTROSPECTION", raising=False)
    development = Settings.from_env()
    monkeypatch.setenv("DEALFLOW_ENV", "Production")
    production = Settings.from_env()
    monkeypatch.setenv("ALLOW_INTROSPECTION", "true")
    told = Settings.from_env()

    assert (development.production, development.introspection) == (False, True)
    assert (production.production, production.introspection) == (True, False)
    assert told.introspection is True
