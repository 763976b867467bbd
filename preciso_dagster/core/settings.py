"""One settings object for every Preciso process, read from `PRECISO_*` environment variables."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Role = Literal["viewer", "operator", "reviewer", "admin"]


class Settings(BaseSettings):
    """Configuration shared by the Dagster code location, the daemon, the API bridge and the CLI."""

    model_config = SettingsConfigDict(env_prefix="PRECISO_", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    var_dir: Path = Path("var")

    database_url: str = Field(default="", repr=False)
    storage_dir: Path | None = None
    inbox_dir: Path | None = None
    mlflow_tracking_uri: str = ""
    dagster_home: Path | None = None
    dagster_postgres_url: SecretStr | None = None

    # Where steps run (docs/scaling.md). "default": in the run's own process. "celery": on
    # Celery workers over RabbitMQ. "kubernetes": each step in a Kubernetes Job (Dagster's Helm
    # chart, deploy/helm-values.yaml). The last two need PostgreSQL for both databases: outside
    # prod, unless PRECISO_DATABASE_URL / PRECISO_DAGSTER_POSTGRES_URL say otherwise, they use
    # the databases `preciso` and `preciso_dagster` of `local_postgres_url`'s server, which
    # `preciso stack` creates when missing.
    profile: Literal["default", "celery", "kubernetes"] = "default"
    local_postgres_url: str = Field(
        default="postgresql+psycopg2://postgres@127.0.0.1:5432/postgres", repr=False
    )
    celery_workers: int = Field(default=2, ge=1, le=64)
    celery_broker_url: str = "pyamqp://guest@127.0.0.1:5672//"
    celery_backend_url: str = "rpc://"

    dagster_graphql_host: str = "127.0.0.1"
    web_port: int = 3000
    api_port: int = 8000
    mlflow_port: int = 5000

    api_tokens: dict[str, Role] = Field(default_factory=dict, repr=False)
    # Signs console session cookies. Unset: a random key per bridge process, so sessions end
    # when it restarts; set it when several bridge processes serve the console.
    console_secret_key: SecretStr | None = Field(default=None, repr=False)
    # Keys the token fingerprints in audit rows and logs (`var/audit-key` when unset).
    audit_key: SecretStr | None = Field(default=None, repr=False)
    console_session_minutes: int = Field(default=480, ge=1, le=7 * 24 * 60)
    # Where people's browsers reach the Dagster webserver (links to run pages).
    dagster_ui_url: str = ""
    mlflow_ui_url: str = ""

    max_upload_bytes: int = 100 * 1024 * 1024
    max_pdf_pages: int = 500
    # Bulk arrivals: this many new inbox documents in one sensor tick go in batch runs.
    ocr_batch_threshold: int = Field(default=4, ge=2)
    ocr_batch_size: int = Field(default=50, ge=1, le=500)
    ocr_dpi: int = 200
    # CPU niceness of Dagster's webserver and daemon, and so of the code servers and run
    # workers they start (`preciso stack`); the API bridge keeps the default priority.
    dagster_niceness: int = Field(default=10, ge=0, le=19)
    engine_order: tuple[str, ...] = ("text_layer", "tesseract", "rapidocr")
    training_min_new_approvals: int = 1
    promotion_min_f1_gain: float = Field(default=0.0, ge=0, le=1)
    promotion_max_recall_loss: float = Field(default=0.05, ge=0, le=1)
    log_level: str = "INFO"
    # Questions: how long a heavy query may run synchronously (flag off), and who writes the
    # answer's text: "extractive", or "package.module:Class" for a deployment's own writer.
    rag_sync_time_limit_seconds: float = Field(default=10.0, gt=0, le=300)
    answer_writer: str = "extractive"

    flag_async_heavy_rag: bool = False
    flag_auto_promote_models: bool = False
    flag_auto_training: bool = True
    flag_verify_ocr_numbers: bool = True

    _database_url_given: bool = PrivateAttr(default=False)

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _tokens_from_json(cls, raw: object) -> object:
        if isinstance(raw, str):
            return json.loads(raw) if raw.strip() else {}
        return raw

    @model_validator(mode="after")
    def _derive_paths(self) -> Settings:
        var_dir = self.var_dir.resolve()
        # Only a URL that came from the environment can be re-read there through EnvVar.
        self._database_url_given = bool(self.database_url) and (
            os.environ.get("PRECISO_DATABASE_URL") == self.database_url
        )
        self.var_dir = var_dir
        if self.profile != "default" and self.env != "prod":
            self._default_to_local_postgres()
        if not self.database_url:
            self.database_url = f"sqlite:///{var_dir / 'preciso.db'}"
        if not self.mlflow_tracking_uri:
            self.mlflow_tracking_uri = f"sqlite:///{var_dir / 'mlflow.db'}"
        self.storage_dir = (self.storage_dir or var_dir / "storage").resolve()
        self.inbox_dir = (self.inbox_dir or var_dir / "inbox").resolve()
        self.dagster_home = (self.dagster_home or var_dir / "dagster").resolve()
        self.dagster_ui_url = self.dagster_ui_url or f"http://127.0.0.1:{self.web_port}"
        self.mlflow_ui_url = self.mlflow_ui_url or f"http://127.0.0.1:{self.mlflow_port}"
        if self.profile != "default" and (
            self.dagster_postgres_url is None or not self.database_url.startswith("postgresql")
        ):
            raise ValueError(
                f"PRECISO_PROFILE={self.profile} needs PostgreSQL for both databases, which every "
                "worker reaches: set PRECISO_DATABASE_URL and PRECISO_DAGSTER_POSTGRES_URL"
            )
        if self.env == "prod" and not self.api_tokens:
            raise ValueError("PRECISO_API_TOKENS must be set when PRECISO_ENV=prod")
        return self

    def _default_to_local_postgres(self) -> None:
        from sqlalchemy import make_url  # only the scaled-out profiles pay for the import

        server = make_url(self.local_postgres_url)
        if not self.database_url:
            self.database_url = server.set(database="preciso").render_as_string(hide_password=False)
        if self.dagster_postgres_url is None:
            dagster = server.set(database="preciso_dagster")
            self.dagster_postgres_url = SecretStr(dagster.render_as_string(hide_password=False))

    @property
    def database_url_given(self) -> bool:
        """True when the URL came from PRECISO_DATABASE_URL (and may hold a password)."""
        return self._database_url_given

    @property
    def api_token_file(self) -> Path:
        return self.var_dir / "api-token"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
