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


def test_the_websocket_init_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("WS_INIT_TIMEOUT_SECONDS", raising=False)
    default = Settings.from_env().ws_init_timeout_seconds
    monkeypatch.setenv("WS_INIT_TIMEOUT_SECONDS", "2.5")

    assert (default, Settings.from_env().ws_init_timeout_seconds) == (10, 2.5)
