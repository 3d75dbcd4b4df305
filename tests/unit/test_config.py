"""Configuration from the environment: safe defaults, and no production without secrets."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from sunshine.config import ConfigError, database_url, load_config

PROD_SECRETS = {
    "SECRET_KEY": "s" * 40,
    "DATA_ENCRYPTION_KEYS": "x2fZ4dJx2OQH0iXYb3ZH9Ss0zhQ3kUvT0pA0c3yX0Qo=",
    "DATA_INDEX_KEY": "i" * 40,
}


def test_production_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    env = {"SUNSHINE_ENV": "production", **PROD_SECRETS}
    del env["SECRET_KEY"]
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(env, tmp_path)
    assert not (tmp_path / "dev-secrets.json").exists()


def test_production_sets_secure_cookies(tmp_path: Path) -> None:
    config = load_config({"SUNSHINE_ENV": "production", **PROD_SECRETS}, tmp_path)
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SECRET_KEY"] == PROD_SECRETS["SECRET_KEY"]


def test_development_generates_secrets_once_and_keeps_them_private(tmp_path: Path) -> None:
    first = load_config({}, tmp_path)
    second = load_config({}, tmp_path)
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and len(first["SECRET_KEY"]) >= 40
    mode = stat.S_IMODE((tmp_path / "dev-secrets.json").stat().st_mode)
    assert mode == 0o600


def test_database_defaults_to_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    assert load_config({}, tmp_path)["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'sunshine.db'}"


@pytest.mark.parametrize("raw", ["postgres://u@h/db", "postgresql://u@h/db"])
def test_postgres_urls_use_the_psycopg_driver(raw: str) -> None:
    assert database_url(raw) == "postgresql+psycopg://u@h/db"


def test_unknown_environment_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SUNSHINE_ENV"):
        load_config({"SUNSHINE_ENV": "prod"}, tmp_path)


def test_rate_limits_use_redis_only_when_redis_url_is_set(tmp_path: Path) -> None:
    assert load_config({}, tmp_path)["RATELIMIT_STORAGE_URI"] == "memory://"
    with_redis = load_config({"REDIS_URL": "redis://127.0.0.1:6379/3"}, tmp_path)
    assert with_redis["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize("prefix", ["", "KCPD-RECORDS", "SUN 1", "SÜN", "SUN_", "SUN/"])
def test_a_bates_prefix_that_would_fail_every_release_stops_the_start(tmp_path: Path, prefix: str) -> None:
    with pytest.raises(ConfigError, match="BATES_PREFIX must be 1 to 10 letters, digits or dashes"):
        load_config({"BATES_PREFIX": prefix}, tmp_path)


def test_the_longest_bates_prefix_fits_every_bates_number(tmp_path: Path) -> None:
    from sunshine.documents.models import Release
    from sunshine.documents.packets import PacketOptions

    config = load_config({"BATES_PREFIX": "CITY-PD-MO"}, tmp_path)
    series = f"{config['BATES_PREFIX']}-2026-1000000-"  # a seven-digit tracking number
    label = PacketOptions(bates_prefix=series).label(999_999)
    assert len(label) <= Release.__table__.c.last_bates.type.length
