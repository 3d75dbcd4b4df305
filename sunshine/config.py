"""Configuration read from environment variables.

Development keeps its generated secrets in the instance folder so a fresh clone
works with zero setup; production refuses to start without them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

ENVIRONMENTS = ("development", "testing", "production")


# A Bates number is this prefix, "-", the tracking number (up to 12 characters), "-" and six or more
# digits; the packet code takes a prefix of at most 24 characters, and the release row keeps 30.
MAX_BATES_PREFIX = 10
BATES_PREFIX = re.compile(rf"[A-Za-z0-9-]{{1,{MAX_BATES_PREFIX}}}")
FILES_PREFIX = re.compile(r"(?:(?!\.\.?/)[A-Za-z0-9._-]+/)*")  # folders in a bucket, each ending in a slash
SERVER_SIDE_ENCRYPTION = ("", "AES256", "aws:kms")
S3_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
S3_REGION = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


class ConfigError(RuntimeError):
    """Raised when the environment cannot produce a safe configuration."""


def database_url(raw: str) -> str:
    """Normalise a database URL to the drivers this project installs."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def _dev_secrets(instance_path: Path) -> dict[str, str]:
    """Secrets generated once per development instance and kept in a 0600 file."""
    path = instance_path / "dev-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    values = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATA_INDEX_KEY": secrets.token_urlsafe(32),
    }
    instance_path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(values, handle)
    return values


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def load_config(env: Mapping[str, str], instance_path: Path) -> dict[str, Any]:
    """Build the Flask config mapping from ``env``.

    Raises ConfigError in production when a secret is missing, so a
    misconfigured server never starts with a guessable key.
    """
    mode = env.get("SUNSHINE_ENV", "development")
    if mode not in ENVIRONMENTS:
        raise ConfigError(f"SUNSHINE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {mode!r}")
    production = mode == "production"

    secret_names = ("SECRET_KEY", "DATA_ENCRYPTION_KEYS", "DATA_INDEX_KEY")
    missing = [name for name in secret_names if not env.get(name)]
    if production and missing:
        raise ConfigError(f"Production mode needs these environment variables: {', '.join(missing)}")
    generated = _dev_secrets(instance_path) if missing else {}
    secret = {name: env.get(name) or generated[name] for name in secret_names}

    bates_prefix = env.get("BATES_PREFIX", "SUN")
    if not BATES_PREFIX.fullmatch(bates_prefix):
        # Checked here, not when a packet is built: there, every release would fail until it was changed.
        raise ConfigError(
            f"BATES_PREFIX must be 1 to {MAX_BATES_PREFIX} letters, digits or dashes, such as CITY-PD, "
            f"not {bates_prefix!r}: each request's tracking number follows it in every Bates number."
        )
    files_prefix, files_sse = env.get("FILES_S3_PREFIX", ""), env.get("FILES_S3_SSE", "")
    if not FILES_PREFIX.fullmatch(files_prefix):
        raise ConfigError(
            "FILES_S3_PREFIX must be letters, digits, dashes, dots or underscores ending in a slash, such "
            f"as sunshine/, or empty, not {files_prefix!r}: every stored file's key starts with it."
        )
    if files_sse not in SERVER_SIDE_ENCRYPTION:
        raise ConfigError(f"FILES_S3_SSE must be AES256, aws:kms or empty, not {files_sse!r}.")
    bucket = env.get("FILES_S3_BUCKET") or None
    if bucket is not None:
        if not S3_BUCKET.fullmatch(bucket):
            raise ConfigError(
                f"FILES_S3_BUCKET must be a bucket name: 3 to 63 lowercase letters, digits, dots or dashes, "
                f"not {bucket!r}."
            )
        try:
            import boto3  # noqa: F401 - only checked for here, so a missing install stops the start
        except ImportError:
            raise ConfigError(
                "FILES_S3_BUCKET needs the S3 client: install it with pip install -e '.[s3]' in Sunshine's "
                "folder."
            ) from None
    endpoint = env.get("FILES_S3_ENDPOINT_URL") or None
    if endpoint is not None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
            raise ConfigError(
                "FILES_S3_ENDPOINT_URL must be the store's address with its scheme, such as "
                f"https://minio.example.org:9000, not {endpoint!r}."
            )
    region = env.get("FILES_S3_REGION") or None
    if region is not None and not S3_REGION.fullmatch(region):
        raise ConfigError(f"FILES_S3_REGION must be a region name such as us-east-2, not {region!r}.")
    redis_url = env.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    default_db = f"sqlite:///{instance_path / 'sunshine.db'}"
    return {
        "SUNSHINE_ENV": mode,
        "TESTING": mode == "testing",
        "SECRET_KEY": secret["SECRET_KEY"],
        "DATA_ENCRYPTION_KEYS": [k.strip() for k in secret["DATA_ENCRYPTION_KEYS"].split(",")],
        "DATA_INDEX_KEY": secret["DATA_INDEX_KEY"],
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL", default_db)),
        # Pooled connections are checked before use only after they sat idle (sunshine.dbpool).
        "DB_PING_AFTER_IDLE_SECONDS": float(env.get("DB_PING_AFTER_IDLE_SECONDS", 5)),
        "REDIS_URL": redis_url,
        # auto: RQ when Redis answers, else run jobs in-process; rq / inline force one.
        "QUEUE_MODE": env.get("QUEUE_MODE", "auto"),
        "SESSION_COOKIE_SECURE": _flag(env, "SESSION_COOKIE_SECURE", production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag(env, "SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "SERVER_NAME": env.get("SERVER_NAME"),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", 25 * 1024 * 1024)),
        "WTF_CSRF_TIME_LIMIT": 3600 * 8,
        "RATELIMIT_ENABLED": _flag(env, "RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI")
        or (redis_url if env.get("REDIS_URL") else "memory://"),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "5 per minute; 30 per hour"),
        # Failed sign-ins per account from unknown browsers, and per known browser (device cookie).
        "LOGIN_ACCOUNT_RATE_LIMIT": env.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per hour"),
        "DEVICE_COOKIE_MAX_AGE": int(env.get("DEVICE_COOKIE_MAX_AGE", 180 * 24 * 3600)),
        "ACCOUNT_FORM_RATE_LIMIT": env.get("ACCOUNT_FORM_RATE_LIMIT", "10 per hour"),
        "EMAIL_TOKEN_MAX_AGE": int(env.get("EMAIL_TOKEN_MAX_AGE", 48 * 3600)),
        "PASSWORD_RESET_MAX_AGE": int(env.get("PASSWORD_RESET_MAX_AGE", 3600)),
        # Argon2id cost; tests lower it, production keeps the library's RFC 9106 defaults.
        "ARGON2_TIME_COST": int(env.get("ARGON2_TIME_COST", 3)),
        "ARGON2_MEMORY_COST": int(env.get("ARGON2_MEMORY_COST", 65536)),
        "MAIL_SERVER": env.get("MAIL_SERVER"),
        "MAIL_PORT": int(env.get("MAIL_PORT", 25)),
        "MAIL_USE_STARTTLS": _flag(env, "MAIL_USE_STARTTLS", False),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_SENDER": env.get("MAIL_SENDER", "records@sunshine.invalid"),
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", 10)),
        # Links in emails are built from this, never from the request's Host header.
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        # Local hour at which deadline reminders go out, and how often the sweep runs.
        "REMINDER_HOUR": int(env.get("REMINDER_HOUR", 8)),
        "JOB_RETRY_INTERVALS": env.get("JOB_RETRY_INTERVALS", "10,60,300"),
        "REMINDER_GRACE_SECONDS": int(env.get("REMINDER_GRACE_SECONDS", 300)),
        "SWEEP_INTERVAL_SECONDS": int(env.get("SWEEP_INTERVAL_SECONDS", 600)),
        # The unit whose custodians receive requests filed on the web and by API.
        "RECORDS_UNIT_CODE": env.get("RECORDS_UNIT_CODE", "RECORDS"),
        "INTAKE_RATE_LIMIT": env.get("INTAKE_RATE_LIMIT", "20 per hour"),
        # A requester's messages each email the unit's custodians.
        "MESSAGE_RATE_LIMIT": env.get("MESSAGE_RATE_LIMIT", "10 per hour"),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to believe: rate limits
        # key on the client's address, which behind a proxy is otherwise the proxy's, for everyone.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", 0)),
        # Fees (RSMo 610.026), in cents: the body's own figures, settings never constants.
        "FEE_PAPER_PAGE_CENTS": int(env.get("FEE_PAPER_PAGE_CENTS", 10)),
        "FEE_CLERICAL_HOURLY_CENTS": int(env.get("FEE_CLERICAL_HOURLY_CENTS", 1800)),
        "FEE_RESEARCH_HOURLY_CENTS": int(env.get("FEE_RESEARCH_HOURLY_CENTS", 2500)),
        "FEE_TECHNICAL_HOURLY_CENTS": int(env.get("FEE_TECHNICAL_HOURLY_CENTS", 3500)),
        "FEE_MEDIA_PRICES_CENTS": env.get("FEE_MEDIA_PRICES_CENTS", "usb=600,dvd=150"),
        "FEE_LARGE_THRESHOLD_CENTS": int(env.get("FEE_LARGE_THRESHOLD_CENTS", 100_000)),
        # Uploads larger than this are parsed and scanned by a job, not during the request.
        "DOCUMENT_INLINE_BYTES": int(env.get("DOCUMENT_INLINE_BYTES", 2 * 1024 * 1024)),
        "BATES_PREFIX": bates_prefix,
        # Stored files: a folder (default instance/files), or an S3-compatible bucket when one is named,
        # which every host behind a load balancer shares (credentials from the usual AWS variables).
        "FILES_ROOT": env.get("FILES_ROOT"),
        "FILES_S3_BUCKET": bucket,
        "FILES_S3_ENDPOINT_URL": endpoint,
        "FILES_S3_REGION": region,
        "FILES_S3_PREFIX": files_prefix,
        "FILES_S3_SSE": files_sse,
        "PUBLIC_BODY_NAME": env.get("PUBLIC_BODY_NAME", "City of Fairview"),
    }
