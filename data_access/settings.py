"""Typed settings read from the environment, in one place.

| variable | meaning | default |
| --- | --- | --- |
| PILOTAGE_DATABASE_URL | SQLAlchemy URL of the database | sqlite:///data/pilotage.db (beside the project) |
| PILOTAGE_PSEUDONYM_KEY | secret key of the pseudonyms (HMAC-SHA-256) | read from the key file |
| PILOTAGE_PSEUDONYM_KEY_FILE | file holding that key, generated on first use | data/pseudonym.key |
| PILOTAGE_SNAPSHOT_DIR | folder of the snapshots of the tables (Parquet files), ``off`` for none | beside the SQLite file (``….db.snapshots``), data/snapshots for PostgreSQL |
| PILOTAGE_STALE_DAYS | a source (copies, requests...) not imported nor dated for longer is said old on every page | 7 |
| PILOTAGE_SMTP_URL | the mail server of alerts and reports: smtp://user:password@host:587 (STARTTLS when offered) or smtps://…:465 | none (nothing is sent) |
| PILOTAGE_ALERT_RECIPIENTS | addresses (comma-separated) that receive everything when no account has an e-mail | none |
| PILOTAGE_APP_URL | the app's address, for the links of the e-mails | http://localhost:8501 |
| PILOTAGE_MAIL_FROM | the sender of the e-mails | the SMTP user when it is an address, else pilotage@<host> |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from data_access.errors import InvalidSetting, hide_password

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_PATH = PROJECT_ROOT / "data" / "pilotage.db"
DEFAULT_PSEUDONYM_KEY_PATH = PROJECT_ROOT / "data" / "pseudonym.key"
SUPPORTED_SCHEMES = ("sqlite", "postgresql")
DEFAULT_STALE_DAYS = 7
DEFAULT_APP_URL = "http://localhost:8501"


@dataclass(frozen=True)
class Settings:
    database_url: str
    pseudonym_key: str | None = field(default=None, repr=False)
    """The secret of the pseudonyms, when given by the environment."""
    pseudonym_key_file: Path = DEFAULT_PSEUDONYM_KEY_PATH
    """Where the secret is kept otherwise (generated on first use)."""
    snapshot_dir: str | None = None
    """Folder of the tables' snapshots (``data_access.snapshots``); None: the default place,
    "off": no snapshots."""
    stale_after_days: int = DEFAULT_STALE_DAYS
    """A source whose last import (or, never imported, last event) is older is said old."""
    smtp_url: str | None = field(default=None, repr=False)
    """The mail server (its password inside: never shown)."""
    alert_recipients: tuple[str, ...] = ()
    app_url: str = DEFAULT_APP_URL
    mail_from: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def safe_url(self) -> str:
        """The URL with its password hidden, for messages and logs."""
        return hide_password(self.database_url)


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_DATABASE_PATH}"


def get_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from the environment (or the mapping given)."""
    env = os.environ if environ is None else environ
    url = env.get("PILOTAGE_DATABASE_URL", "").strip() or default_database_url()
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if "://" not in url or scheme not in SUPPORTED_SCHEMES:
        raise InvalidSetting(
            f"PILOTAGE_DATABASE_URL n'est pas une adresse de base de données utilisable : "
            f"« {hide_password(url)} ». Exemples attendus : sqlite:///data/pilotage.db ou "
            "postgresql+psycopg://utilisateur:motdepasse@serveur:5432/base."
        )
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    key_file = env.get("PILOTAGE_PSEUDONYM_KEY_FILE", "").strip()
    stale = env.get("PILOTAGE_STALE_DAYS", "").strip() or str(DEFAULT_STALE_DAYS)
    if not stale.isdigit() or int(stale) < 1:
        raise InvalidSetting(
            f"PILOTAGE_STALE_DAYS doit être un nombre de jours (1 ou plus) : « {stale} »."
        )
    return Settings(
        stale_after_days=int(stale),
        database_url=url,
        pseudonym_key=env.get("PILOTAGE_PSEUDONYM_KEY", "").strip() or None,
        pseudonym_key_file=Path(key_file) if key_file else DEFAULT_PSEUDONYM_KEY_PATH,
        snapshot_dir=env.get("PILOTAGE_SNAPSHOT_DIR", "").strip() or None,
        smtp_url=env.get("PILOTAGE_SMTP_URL", "").strip() or None,
        alert_recipients=tuple(
            address.strip()
            for address in env.get("PILOTAGE_ALERT_RECIPIENTS", "").split(",")
            if address.strip()
        ),
        app_url=env.get("PILOTAGE_APP_URL", "").strip() or DEFAULT_APP_URL,
        mail_from=env.get("PILOTAGE_MAIL_FROM", "").strip() or None,
    )
