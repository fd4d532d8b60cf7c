"""Settings, read once from the environment (and an optional `.env` file)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from starlette.config import Config

from resolvers.auth import LoginPolicy
from resolvers.files import FileStore
from subscriptions.live import LiveSettings

_config = Config(".env" if Path(".env").is_file() else None)


@dataclass(frozen=True)
class Settings:
    """Everything the service can be tuned by; `from_env` documents the variable names."""

    database_url: str = "sqlite://./dealflow.sqlite3"
    broadcast_url: str = "memory://"
    debug: bool = False
    db_pool_max: int = 20
    token_ttl_hours: int = 24 * 14
    login_window_seconds: int = 15 * 60
    login_max_failures_per_email: int = 5
    login_max_failures_per_address: int = 30
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_request_bytes: int = 1024 * 1024
    storage_dir: str = "./storage"
    max_upload_bytes: int = 10 * 1024 * 1024
    trash_retention_days: int = 30
    # Bearer tokens, not cookies, authenticate: any origin is safe unless narrowed.
    allowed_origins: tuple[str, ...] = ("*",)
    max_subscriptions_per_connection: int = 20
    event_retention_days: int = 7
    feed_poll_seconds: float = 2.0
    subscriber_queue_size: int = 100
    session_check_seconds: float = 5.0
    ws_init_timeout_seconds: float = 10.0
    # How long `dealflow serve` lets requests in flight finish after SIGTERM (well under
    # the 30 s most orchestrators wait before they send SIGKILL).
    shutdown_grace_seconds: int = 10

    @classmethod
    def from_env(cls) -> Settings:
        origins = _config("ALLOWED_ORIGINS", default="*")
        return cls(
            database_url=_config("DATABASE_URL", default=cls.database_url),
            broadcast_url=_config("BROADCAST_URL", default=cls.broadcast_url),
            debug=_config("DEBUG", cast=bool, default=cls.debug),
            db_pool_max=_config("DB_POOL_MAX", cast=int, default=cls.db_pool_max),
            token_ttl_hours=_config("TOKEN_TTL_HOURS", cast=int, default=cls.token_ttl_hours),
            login_window_seconds=_config(
                "LOGIN_WINDOW_SECONDS", cast=int, default=cls.login_window_seconds
            ),
            login_max_failures_per_email=_config(
                "LOGIN_MAX_FAILURES_PER_EMAIL", cast=int, default=cls.login_max_failures_per_email
            ),
            login_max_failures_per_address=_config(
                "LOGIN_MAX_FAILURES_PER_ADDRESS",
                cast=int,
                default=cls.login_max_failures_per_address,
            ),
            max_query_depth=_config("MAX_QUERY_DEPTH", cast=int, default=cls.max_query_depth),
            max_aliases=_config("MAX_ALIASES", cast=int, default=cls.max_aliases),
            max_tokens=_config("MAX_TOKENS", cast=int, default=cls.max_tokens),
            max_request_bytes=_config("MAX_REQUEST_BYTES", cast=int, default=cls.max_request_bytes),
            storage_dir=_config("STORAGE_DIR", default=cls.storage_dir),
            max_upload_bytes=_config("MAX_UPLOAD_BYTES", cast=int, default=cls.max_upload_bytes),
            trash_retention_days=_config(
                "TRASH_RETENTION_DAYS", cast=int, default=cls.trash_retention_days
            ),
            allowed_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
            event_retention_days=_config(
                "EVENT_RETENTION_DAYS", cast=int, default=cls.event_retention_days
            ),
            feed_poll_seconds=_config(
                "FEED_POLL_SECONDS", cast=float, default=cls.feed_poll_seconds
            ),
            subscriber_queue_size=_config(
                "SUBSCRIBER_QUEUE_SIZE", cast=int, default=cls.subscriber_queue_size
            ),
            session_check_seconds=_config(
                "SESSION_CHECK_SECONDS", cast=float, default=cls.session_check_seconds
            ),
            ws_init_timeout_seconds=_config(
                "WS_INIT_TIMEOUT_SECONDS", cast=float, default=cls.ws_init_timeout_seconds
            ),
            max_subscriptions_per_connection=_config(
                "MAX_SUBSCRIPTIONS_PER_CONNECTION",
                cast=int,
                default=cls.max_subscriptions_per_connection,
            ),
            shutdown_grace_seconds=_config(
                "SHUTDOWN_GRACE_SECONDS", cast=int, default=cls.shutdown_grace_seconds
            ),
        )

    def login_policy(self) -> LoginPolicy:
        return LoginPolicy(
            token_ttl=timedelta(hours=self.token_ttl_hours),
            window=timedelta(seconds=self.login_window_seconds),
            max_failures_per_email=self.login_max_failures_per_email,
            max_failures_per_address=self.login_max_failures_per_address,
        )

    def file_store(self) -> FileStore:
        return FileStore(Path(self.storage_dir), self.max_upload_bytes)

    def live_settings(self) -> LiveSettings:
        return LiveSettings(
            broadcast_url=self.broadcast_url,
            poll_seconds=self.feed_poll_seconds,
            queue_size=self.subscriber_queue_size,
            session_check_seconds=self.session_check_seconds,
            event_retention=timedelta(days=self.event_retention_days),
        )

    def replace(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]
