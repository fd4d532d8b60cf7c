"""Settings, read once from the environment (and an optional `.env` file)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import argon2
from starlette.config import Config
from starlette.datastructures import Secret

from resolvers.accounts.auth import LoginPolicy
from resolvers.deals.files import FileStore
from resolvers.rate_limits import Limit, RateLimitSettings
from resolvers.webhooks.policy import WebhookPolicy
from schema.cost import DEFAULT_MAX_COST
from schema.limits import DEFAULT_MAX_DOCUMENT_CHARS
from subscriptions.live import LiveSettings

SECRET_KEY_FILE = ".dealflow-secret-key"
_config = Config(".env" if Path(".env").is_file() else None)


@dataclass(frozen=True)
class Settings:
    """Everything the service can be tuned by; `from_env` documents the variable names."""

    database_url: str = "sqlite://./dealflow.sqlite3"
    # LOG_FORMAT: "json" (one object per line) or "text"; empty: JSON in production.
    log_format: str = ""
    # METRICS_TOKEN: the bearer token /metrics answers; empty: loopback clients only.
    metrics_token: str = ""
    # TRACING: "otlp" exports OpenTelemetry traces (the `otel` extra; `server.tracing`).
    tracing: str = ""
    broadcast_url: str = "memory://"
    debug: bool = False
    # DEALFLOW_ENV: "production" turns introspection off and refuses insecure settings
    # (`insecure_for_production`).
    environment: str = "development"
    # Introspection (and GraphiQL with DEBUG): None follows the environment.
    allow_introspection: bool | None = None
    db_pool_max: int = 20
    token_ttl_hours: int = 24 * 14
    login_window_seconds: int = 15 * 60
    login_max_failures_per_email: int = 5
    login_max_failures_per_address: int = 30
    # After this many failures for one email (from any address), each further attempt
    # from an address that has failed waits twice as long as the one before.
    login_backoff_seconds: int = 2
    login_backoff_max_seconds: int = 15 * 60
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_document_chars: int = DEFAULT_MAX_DOCUMENT_CHARS
    max_query_cost: int = DEFAULT_MAX_COST
    max_request_bytes: int = 1024 * 1024
    storage_dir: str = "./storage"
    # The built board app (`make web`); `/board` says so when it is not there.
    web_dist_dir: str = str(Path(__file__).resolve().parent.parent / "web" / "dist")
    webhook_max_per_user: int = 10
    webhook_allow_private_urls: bool = False
    webhook_retry_base_seconds: float = 10
    webhook_max_attempts: int = 14
    webhook_timeout_seconds: float = 10
    webhook_poll_seconds: float = 0.5
    # Whether this process delivers webhooks (every process may: they share the work).
    webhook_worker: bool = True
    max_upload_bytes: int = 10 * 1024 * 1024
    # The most data rows one importDeals or importLeads file may have.
    import_max_rows: int = 5000
    # What one workspace's files may take on disk in all (0: no quota).
    storage_quota_bytes: int = 5 * 1024 * 1024 * 1024
    trash_retention_days: int = 30
    # Bearer tokens, not cookies, authenticate: any origin is safe unless narrowed.
    allowed_origins: tuple[str, ...] = ("*",)
    # Request headers browsers may send cross-origin: the clients' own and tracing's.
    cors_allow_headers: tuple[str, ...] = (
        "authorization",
        "content-type",
        "accept",
        "idempotency-key",
        "x-request-id",
        "apollo-require-preflight",
        "x-apollo-operation-name",
        "apollographql-client-name",
        "apollographql-client-version",
        "traceparent",
        "tracestate",
        "baggage",
        "sentry-trace",
        "if-none-match",
    )
    max_subscriptions_per_connection: int = 20
    event_retention_days: int = 7
    feed_poll_seconds: float = 2.0
    subscriber_queue_size: int = 100
    session_check_seconds: float = 5.0
    ws_init_timeout_seconds: float = 10.0
    # WebSocket operations and connection_inits being set up at once (`server.setup_turns`).
    ws_setups_at_once: int = 32
    # How long `dealflow serve` lets requests in flight finish after SIGTERM (well under
    # the 30 s most orchestrators wait before they send SIGKILL).
    shutdown_grace_seconds: int = 10
    # Rate limits, in the `limits` notation ("30/second;600/minute"); "" turns one off.
    rate_limits: bool = True
    rate_limit_per_token: str = "30/second;900/minute"
    rate_limit_per_address: str = "60/second;3000/minute"
    rate_limit_logins_per_address: str = "20/minute;100/hour"
    rate_limit_uploads_per_user: str = "120/hour"
    rate_limit_subscriptions_per_user: str = "60/minute"
    rate_limit_forms_per_address: str = "10/minute;100/day"
    max_sockets_per_user: int = 20
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed ("*" for any).
    forwarded_allow_ips: tuple[str, ...] = ()
    # Seals global ids and event cursors (`resolvers.opaque`). Unset: a key generated
    # once and kept in STORAGE_DIR (see `id_secret`).
    secret_key: Secret | None = None
    # argon2's cost per password hash (its defaults; lower only where hashing speed
    # matters more than guessing cost: the tests).
    password_hash_time_cost: int = argon2.DEFAULT_TIME_COST
    password_hash_memory_kib: int = argon2.DEFAULT_MEMORY_COST

    @classmethod
    def from_env(cls) -> Settings:
        origins = _config("ALLOWED_ORIGINS", default="*")
        return cls(
            database_url=_config("DATABASE_URL", default=cls.database_url),
            log_format=_config("LOG_FORMAT", default=cls.log_format).strip().lower(),
            metrics_token=_config("METRICS_TOKEN", default=cls.metrics_token).strip(),
            tracing=_config("TRACING", default=cls.tracing).strip().lower(),
            broadcast_url=_config("BROADCAST_URL", default=cls.broadcast_url),
            debug=_config("DEBUG", cast=bool, default=cls.debug),
            environment=_config("DEALFLOW_ENV", default=cls.environment).strip().lower(),
            allow_introspection=_config("ALLOW_INTROSPECTION", cast=bool, default=None),
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
            max_document_chars=_config(
                "MAX_DOCUMENT_CHARS", cast=int, default=cls.max_document_chars
            ),
            max_query_cost=_config("MAX_QUERY_COST", cast=int, default=cls.max_query_cost),
            max_request_bytes=_config("MAX_REQUEST_BYTES", cast=int, default=cls.max_request_bytes),
            storage_dir=_config("STORAGE_DIR", default=cls.storage_dir),
            web_dist_dir=_config("WEB_DIST_DIR", default=cls.web_dist_dir),
            webhook_max_per_user=_config(
                "WEBHOOK_MAX_PER_USER", cast=int, default=cls.webhook_max_per_user
            ),
            webhook_allow_private_urls=_config(
                "WEBHOOK_ALLOW_PRIVATE_URLS", cast=bool, default=cls.webhook_allow_private_urls
            ),
            webhook_retry_base_seconds=_config(
                "WEBHOOK_RETRY_BASE_SECONDS", cast=float, default=cls.webhook_retry_base_seconds
            ),
            webhook_max_attempts=_config(
                "WEBHOOK_MAX_ATTEMPTS", cast=int, default=cls.webhook_max_attempts
            ),
            webhook_timeout_seconds=_config(
                "WEBHOOK_TIMEOUT_SECONDS", cast=float, default=cls.webhook_timeout_seconds
            ),
            webhook_poll_seconds=_config(
                "WEBHOOK_POLL_SECONDS", cast=float, default=cls.webhook_poll_seconds
            ),
            webhook_worker=_config("WEBHOOK_WORKER", cast=bool, default=cls.webhook_worker),
            max_upload_bytes=_config("MAX_UPLOAD_BYTES", cast=int, default=cls.max_upload_bytes),
            import_max_rows=_config("IMPORT_MAX_ROWS", cast=int, default=cls.import_max_rows),
            storage_quota_bytes=_config(
                "STORAGE_QUOTA_BYTES", cast=int, default=cls.storage_quota_bytes
            ),
            trash_retention_days=_config(
                "TRASH_RETENTION_DAYS", cast=int, default=cls.trash_retention_days
            ),
            allowed_origins=_comma_separated(origins),
            cors_allow_headers=_comma_separated(
                _config("CORS_ALLOW_HEADERS", default=",".join(cls.cors_allow_headers))
            ),
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
            ws_setups_at_once=_config("WS_SETUPS_AT_ONCE", cast=int, default=cls.ws_setups_at_once),
            max_subscriptions_per_connection=_config(
                "MAX_SUBSCRIPTIONS_PER_CONNECTION",
                cast=int,
                default=cls.max_subscriptions_per_connection,
            ),
            shutdown_grace_seconds=_config(
                "SHUTDOWN_GRACE_SECONDS", cast=int, default=cls.shutdown_grace_seconds
            ),
            login_backoff_seconds=_config(
                "LOGIN_BACKOFF_SECONDS", cast=int, default=cls.login_backoff_seconds
            ),
            login_backoff_max_seconds=_config(
                "LOGIN_BACKOFF_MAX_SECONDS", cast=int, default=cls.login_backoff_max_seconds
            ),
            rate_limits=_config("RATE_LIMITS", cast=bool, default=cls.rate_limits),
            rate_limit_per_token=_config("RATE_LIMIT_PER_TOKEN", default=cls.rate_limit_per_token),
            rate_limit_per_address=_config(
                "RATE_LIMIT_PER_ADDRESS", default=cls.rate_limit_per_address
            ),
            rate_limit_logins_per_address=_config(
                "RATE_LIMIT_LOGINS_PER_ADDRESS", default=cls.rate_limit_logins_per_address
            ),
            rate_limit_uploads_per_user=_config(
                "RATE_LIMIT_UPLOADS_PER_USER", default=cls.rate_limit_uploads_per_user
            ),
            rate_limit_subscriptions_per_user=_config(
                "RATE_LIMIT_SUBSCRIPTIONS_PER_USER", default=cls.rate_limit_subscriptions_per_user
            ),
            rate_limit_forms_per_address=_config(
                "RATE_LIMIT_FORMS_PER_ADDRESS", default=cls.rate_limit_forms_per_address
            ),
            max_sockets_per_user=_config(
                "MAX_SOCKETS_PER_USER", cast=int, default=cls.max_sockets_per_user
            ),
            forwarded_allow_ips=_comma_separated(_config("FORWARDED_ALLOW_IPS", default="")),
            secret_key=_config("SECRET_KEY", cast=Secret, default=None),
            password_hash_time_cost=_config(
                "PASSWORD_HASH_TIME_COST", cast=int, default=cls.password_hash_time_cost
            ),
            password_hash_memory_kib=_config(
                "PASSWORD_HASH_MEMORY_KIB", cast=int, default=cls.password_hash_memory_kib
            ),
        )

    def password_hasher(self) -> argon2.PasswordHasher:
        return argon2.PasswordHasher(
            time_cost=self.password_hash_time_cost,
            memory_cost=self.password_hash_memory_kib,
            parallelism=1 if self.password_hash_memory_kib < 64 else argon2.DEFAULT_PARALLELISM,
        )

    def login_policy(self) -> LoginPolicy:
        return LoginPolicy(
            token_ttl=timedelta(hours=self.token_ttl_hours),
            window=timedelta(seconds=self.login_window_seconds),
            max_failures_per_email=self.login_max_failures_per_email,
            max_failures_per_address=self.login_max_failures_per_address,
            backoff=timedelta(seconds=self.login_backoff_seconds),
            max_backoff=timedelta(seconds=self.login_backoff_max_seconds),
        )

    def webhook_policy(self) -> WebhookPolicy:
        return WebhookPolicy(
            max_per_user=self.webhook_max_per_user,
            allow_private=self.webhook_allow_private_urls,
            retry_base_seconds=self.webhook_retry_base_seconds,
            max_attempts=self.webhook_max_attempts,
            timeout_seconds=self.webhook_timeout_seconds,
        )

    def rate_limit_settings(self) -> RateLimitSettings:
        """Counted in Redis when the bus is Redis (every process shares the windows)."""
        return RateLimitSettings(
            enabled=self.rate_limits,
            storage_url=self.redis_url() or "memory://",
            namespace=self.deployment_key(),
            rules={
                Limit.OPERATIONS_PER_TOKEN: self.rate_limit_per_token,
                Limit.OPERATIONS_PER_ADDRESS: self.rate_limit_per_address,
                Limit.LOGINS_PER_ADDRESS: self.rate_limit_logins_per_address,
                Limit.UPLOADS_PER_USER: self.rate_limit_uploads_per_user,
                Limit.SUBSCRIPTIONS_PER_USER: self.rate_limit_subscriptions_per_user,
                Limit.FORM_SUBMISSIONS_PER_ADDRESS: self.rate_limit_forms_per_address,
            },
        )

    def deployment_key(self) -> str:
        """Names this deployment's keys in a shared Redis: the database's (digested: a
        URL may hold a password), so that two deployments on one Redis, whose user ids
        overlap, never share a count."""
        return hashlib.sha256(self.database_url.encode()).hexdigest()[:12]

    def redis_url(self) -> str | None:
        """The bus's Redis, if it is Redis: what counts across processes."""
        return self.broadcast_url if self.broadcast_url.startswith(("redis", "rediss")) else None

    def file_store(self) -> FileStore:
        return FileStore(
            Path(self.storage_dir), self.max_upload_bytes, self.storage_quota_bytes or None
        )

    def live_settings(self) -> LiveSettings:
        return LiveSettings(
            broadcast_url=self.broadcast_url,
            poll_seconds=self.feed_poll_seconds,
            queue_size=self.subscriber_queue_size,
            session_check_seconds=self.session_check_seconds,
            event_retention=timedelta(days=self.event_retention_days),
        )

    def id_secret(self) -> str:
        """`SECRET_KEY`, or else the key kept in `STORAGE_DIR` (written there once, by
        whichever process starts first), so that ids stay the same across restarts."""
        if self.secret_key is not None and str(self.secret_key):
            return str(self.secret_key)
        path = Path(self.storage_dir) / SECRET_KEY_FILE
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            draft = path.with_name(f"{SECRET_KEY_FILE}.{secrets.token_hex(8)}")
            draft.write_text(secrets.token_urlsafe(32))
            draft.chmod(0o600)
            # A hard link appears whole, and only once: when several processes start
            # together, the first one's key wins and every one reads it.
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
            draft.unlink()
        return path.read_text().strip()

    @property
    def logs_as_json(self) -> bool:
        return self.log_format == "json" or (not self.log_format and self.production)

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def introspection(self) -> bool:
        """On in development; in production only when ALLOW_INTROSPECTION says so."""
        if self.allow_introspection is not None:
            return self.allow_introspection
        return not self.production

    def insecure_for_production(self) -> list[str]:
        """What makes these settings unsafe to serve the internet with (empty: nothing)."""
        if not self.production:
            return []
        problems = []
        if not self.allowed_origins or "*" in self.allowed_origins:
            problems.append("ALLOWED_ORIGINS must name the web app's origins, not *.")
        if any(not o.startswith("https://") for o in self.allowed_origins if o != "*"):
            problems.append("ALLOWED_ORIGINS must be https:// origins.")
        if self.debug:
            problems.append("DEBUG must be off.")
        if self.secret_key is None or len(str(self.secret_key)) < 32:
            problems.append("SECRET_KEY must be set, at least 32 characters.")
        if "*" in self.forwarded_allow_ips:
            problems.append("FORWARDED_ALLOW_IPS must name the proxies, not *.")
        if not self.rate_limits:
            problems.append("RATE_LIMITS must be on.")
        if (
            self.password_hash_time_cost < argon2.DEFAULT_TIME_COST
            or self.password_hash_memory_kib < argon2.DEFAULT_MEMORY_COST
        ):
            problems.append("PASSWORD_HASH_* must not be below argon2's defaults.")
        return problems

    def replace(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _comma_separated(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())
