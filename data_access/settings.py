"""Typed settings read from the environment, in one place.

| variable | meaning | default |
| --- | --- | --- |
| PILOTAGE_DATABASE_URL | SQLAlchemy URL of the database | sqlite:///data/pilotage.db (beside the project) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from data_access.errors import InvalidSetting, hide_password

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_PATH = PROJECT_ROOT / "data" / "pilotage.db"
SUPPORTED_SCHEMES = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Settings:
    database_url: str

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
    return Settings(database_url=url)
