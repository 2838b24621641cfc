"""The one settings class; only entry points (cli, app factory) read it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from tessera.security.envelope import MASTER_KEY_BYTES, new_master_key
from tessera.security.keyfiles import ensure_secret_file, read_secret_file

SECRET_KEY_FILE = "secret.key"  # noqa: S105 (a file name)
MASTER_KEY_FILE = "master.key"
SIGNING_KEY_FILE = "ledger-signing.key"  # Ed25519 seed that signs ledger checkpoints
DATABASE_FILE = "tessera.db"
MIN_SECRET_KEY_BYTES = 32


class Settings(BaseSettings):
    """Read from TESSERA_* environment variables; every field has a safe default."""

    model_config = SettingsConfigDict(env_prefix="TESSERA_", extra="ignore")

    data_dir: Path = Path("tessera-data")
    database_url: str | None = Field(
        default=None, description="sqlite:///... or postgresql://...; default: SQLite in data_dir"
    )
    host: str = "127.0.0.1"
    port: int = 8000
    max_upload_bytes: int = 100 * 1024 * 1024
    max_media_bytes: int = 20 * 1024 * 1024  # one uploaded image
    session_ttl_s: int = 12 * 3600
    cookie_secure: bool = True
    secret_key: SecretStr | None = None
    db_pool_size: int = 10

    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / DATABASE_FILE).resolve()}"


class MissingSecret(RuntimeError):
    """The server has no secret key or master key; `tessera init` creates them."""


@dataclass(frozen=True)
class Keys:
    secret_key: bytes
    master_key: bytes


def load_keys(settings: Settings) -> Keys:
    """Read the secret key (env or file) and the master key (file); refuse to run without them."""
    if settings.secret_key is not None:
        secret = settings.secret_key.get_secret_value().encode()
    else:
        path = settings.data_dir / SECRET_KEY_FILE
        if not path.exists():
            raise MissingSecret(
                f"no secret key in {settings.data_dir}; run `tessera init` first "
                "(or set TESSERA_SECRET_KEY)"
            )
        secret = read_secret_file(path).strip()
    if len(secret) < MIN_SECRET_KEY_BYTES:
        raise MissingSecret(f"the secret key must be at least {MIN_SECRET_KEY_BYTES} bytes")
    master_path = settings.data_dir / MASTER_KEY_FILE
    if not master_path.exists():
        raise MissingSecret(f"no master key in {settings.data_dir}; run `tessera init` first")
    master = read_secret_file(master_path)
    if len(master) != MASTER_KEY_BYTES:
        raise MissingSecret(f"{MASTER_KEY_FILE} must hold exactly {MASTER_KEY_BYTES} bytes")
    return Keys(secret_key=secret, master_key=master)


def create_keys(settings: Settings) -> Keys:
    """Create the key files (mode 0600) where missing; keep existing ones."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.secret_key is None:
        ensure_secret_file(
            settings.data_dir / SECRET_KEY_FILE, lambda: secrets.token_urlsafe(48).encode()
        )
    ensure_secret_file(settings.data_dir / MASTER_KEY_FILE, new_master_key)
    ensure_secret_file(settings.data_dir / SIGNING_KEY_FILE, lambda: secrets.token_bytes(32))
    return load_keys(settings)
