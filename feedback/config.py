"""Configuration classes read from the environment; no secret has a default.

``Development`` writes a random ``SECRET_KEY`` into ``instance/`` on first run so
a newcomer needs no set-up; ``Production`` refuses to start without one.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

INSTANCE_DIR = Path(
    os.environ.get("FEEDBACK_INSTANCE_DIR", Path(__file__).resolve().parent.parent / "instance")
)


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """The environment does not give what this configuration needs to run safely."""


class Config:
    """Settings shared by every environment, each overridable from the environment."""

    ENV_NAME = "production"
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'feedback.db'}"
    CHARTJS_SOURCE = os.environ.get("CHARTJS_SOURCE", "cdn")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "inline-memory://")
    RATELIMIT_HEADERS_ENABLED = True  # on sign-in; respondents get Retry-After when refused
    # Shared by every respondent POST from one address: generous, because many
    # families answer from one school, library or council Wi-Fi (600 an hour is
    # about 35 full annual surveys). Login has its own strict limits.
    RESPOND_RATE_LIMIT = os.environ.get("RESPOND_RATE_LIMIT", "600 per hour")
    # Staff sign-in attempts per address; the per-email limit is LOGIN_EMAIL_RATE_LIMIT.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    LOGIN_EMAIL_RATE_LIMIT = os.environ.get("LOGIN_EMAIL_RATE_LIMIT", "20 per hour")
    # How many proxies (TLS terminator, load balancer) sit in front of the app; their
    # X-Forwarded-* headers are believed only then (see feedback.security).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    SERVICE_NAME = os.environ.get("SERVICE_NAME", "SEND survey and feedback")
    LOCAL_AREA = os.environ.get("LOCAL_AREA", "Sefton")
    # Respondents: the draft token lives in the session; a draft outlives the cookie
    # and can be resumed by link or code for DRAFT_DAYS.
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24
    # The cookie is re-sent when the session changes (every saved answer, every staff
    # page), not on every page view: signing it again cost each page about 0.2 ms.
    SESSION_REFRESH_EACH_REQUEST = False
    DRAFT_DAYS = int(os.environ.get("DRAFT_DAYS", "30"))
    STAFF_SESSION_MINUTES = int(os.environ.get("STAFF_SESSION_MINUTES", "30"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 24
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(10 * 1024 * 1024)))
    MAX_FORM_MEMORY_SIZE = 500 * 1024
    # Computed results shared by the app's processes on this machine (see feedback.cache);
    # empty to keep them in each process's memory only.
    RESULTS_CACHE_DIR = os.environ.get("RESULTS_CACHE_DIR", str(INSTANCE_DIR / "results-cache"))
    # Online responses' comments are coded after the reply, gathered for this many seconds
    # so a batch shares the fixed cost of a coding run (see feedback.comment_queue); 0 codes
    # them in the submit request.
    COMMENT_CODING_SECONDS = float(os.environ.get("COMMENT_CODING_SECONDS", "1"))
    # How old (seconds) cached results may be when served while new answers are added
    # in the background (see feedback.cache); 0 always waits for fresh figures.
    RESULTS_STALE_SECONDS = int(os.environ.get("RESULTS_STALE_SECONDS", "60"))
    # How long (seconds) each process reuses a wave's status and wording on respondent
    # pages (see feedback.queries.waves.WaveSnapshots); 0 reads the wave on every request.
    WAVE_REFRESH_SECONDS = float(os.environ.get("WAVE_REFRESH_SECONDS", "1"))
    TESTING = False

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY:
            raise ConfigError("SECRET_KEY is not set: production refuses to start without one")


class Development(Config):
    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    CHARTJS_SOURCE = os.environ.get("CHARTJS_SOURCE", "local")

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY:
            cls.SECRET_KEY = _instance_secret()


class Test(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-only-secret"  # noqa: S105 - never used outside the test suite
    DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    CHARTJS_SOURCE = "local"
    RATELIMIT_STORAGE_URI = "inline-memory://"
    RESULTS_CACHE_DIR = ""  # tests that need the shared store give it a folder of their own
    COMMENT_CODING_SECONDS = 0  # coded in the request; the queue's tests set their own
    RESULTS_STALE_SECONDS = 0  # exact figures; staleness tests set their own window
    WAVE_REFRESH_SECONDS = 0  # a wave closed by one app shows closed in the next request

    @classmethod
    def check(cls) -> None:
        return None


def _instance_secret() -> str:
    """Read, or create once, a random development secret in ``instance/``."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


CONFIGS: dict[str, type[Config]] = {"production": Config, "development": Development, "test": Test}


def config_from_env() -> type[Config]:
    """The configuration named by ``FEEDBACK_ENV`` (production when unset)."""
    name = os.environ.get("FEEDBACK_ENV", "production")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"FEEDBACK_ENV={name!r}; use one of {', '.join(CONFIGS)}") from None
