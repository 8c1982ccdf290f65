"""Settings, health, the one error shape and the request size cap."""

from __future__ import annotations

import os
import re
import signal
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from coursevault.config import ConfigError, Settings, load_or_create_secret
from coursevault.database import embedded_server
from coursevault.errors import ErrorCode
from tests.conftest import BASE_URL, start_app


async def test_health_reports_the_embedded_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "embedded", "disk": "ok"}


async def test_health_is_503_when_the_database_does_not_answer(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, secret_key="s" * 40)
    app, lifespan = await start_app(settings)  # starts its own embedded server
    try:
        embedded = app.state.connection.embedded
        assert embedded is not None
        # Frozen rather than dead: a dead one is restarted within a second (supervision).
        os.kill(embedded.pid, signal.SIGSTOP)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
                response = await client.get("/healthz")
        finally:
            os.kill(embedded.pid, signal.SIGCONT)
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
    finally:
        await lifespan.__aexit__(None, None, None)


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/nothing-here", 404, "not_found"),
        ("GET", "/definitely/not/here", 404, "not_found"),
        ("DELETE", "/api/auth/me", 405, "method_not_allowed"),
        ("POST", "/api/nothing-here", 404, "not_found"),
        ("DELETE", "/api/courses/nothing/here/either", 404, "not_found"),
        ("PUT", "/definitely/not/here", 404, "not_found"),
        ("POST", "/api/auth/login", 422, "validation_error"),
    ],
)
async def test_every_error_has_the_one_shape(
    client: httpx.AsyncClient, method: str, path: str, status: int, code: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if status == 405:  # a path another method serves: it says which
        assert "GET" in response.headers["allow"]


async def test_invalid_json_is_a_validation_error_not_a_crash(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/login", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_validation_errors_never_echo_the_password(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/register", json={"email": "bad", "password": "my-secret-passphrase", "name": "X"}
    )
    assert response.status_code == 422
    assert "my-secret-passphrase" not in response.text


async def test_json_bodies_over_one_mebibyte_are_413(client: httpx.AsyncClient) -> None:
    big = b'{"email": "a@example.com", "password": "' + b"x" * (1024 * 1024) + b'"}'
    response = await client.post(
        "/api/auth/login", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the cap holds while streaming
        for _ in range(20):
            yield b"x" * 65536

    response = await client.post(
        "/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_development_secret_is_generated_once_with_mode_600(tmp_path: Path) -> None:
    first = load_or_create_secret(tmp_path)
    assert len(first) >= 32
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600
    assert load_or_create_secret(tmp_path) == first
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert settings.master_secret == first.encode()


@pytest.mark.parametrize("secret", [None, "", "changeme", "secret", "short-but-real"])
def test_production_refuses_missing_or_placeholder_secrets(
    tmp_path: Path, secret: str | None
) -> None:
    with pytest.raises(ConfigError, match="COURSEVAULT_SECRET_KEY"):
        Settings(_env_file=None, env="production", data_dir=tmp_path, secret_key=secret)
    assert not (tmp_path / "secret_key").exists()


def test_production_accepts_a_real_secret(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None, env="production", secret_key="r" * 48, smtp_url="smtp://mail:25"
    )
    assert settings.master_secret == b"r" * 48


def test_production_refuses_to_start_without_a_way_to_send_mail() -> None:
    with pytest.raises(ConfigError, match="COURSEVAULT_SMTP_URL must be set"):
        Settings(_env_file=None, env="production", secret_key="r" * 48)
    quiet = Settings(_env_file=None, env="production", secret_key="r" * 48, mail_enabled=False)
    assert not quiet.mail_enabled


@pytest.mark.parametrize("url", ["http://mail:25", "smtp://", "mail.example.com:25"])
def test_a_malformed_smtp_url_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="COURSEVAULT_SMTP_URL must look like"):
        Settings(_env_file=None, smtp_url=url)


def test_settings_come_from_environment_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COURSEVAULT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COURSEVAULT_MONGODB_URI", "mongodb://db.internal:27017")
    monkeypatch.setenv("COURSEVAULT_ACCESS_TOKEN_TTL_SECONDS", "300")
    settings = Settings(_env_file=None)
    assert settings.data_dir == tmp_path
    assert not settings.uses_embedded_database
    assert settings.access_token_ttl_seconds == 300


def test_a_second_starter_reuses_the_running_embedded_server(
    embedded_db: embedded_server.EmbeddedServer, data_dir: Path
) -> None:
    again = embedded_server.ensure_running(data_dir)
    assert again.uri == embedded_db.uri
    assert again.process is None  # not ours: stopping it does nothing
    again.stop()
    assert embedded_server.find_running(data_dir) is not None


SRC = Path(__file__).resolve().parent.parent / "src" / "coursevault"


def test_errors_are_built_only_in_errors_modules() -> None:
    """One way to build an error: a factory in the feature's errors.py."""
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name != "errors.py" and "AppError(" in path.read_text()
    ]
    assert offenders == []


def test_every_error_code_is_raised_somewhere_and_documented() -> None:
    sources = "".join(path.read_text() for path in SRC.rglob("*.py"))
    docs = (SRC.parent.parent / "docs" / "api-errors.md").read_text()
    for code in ErrorCode:
        assert f"ErrorCode.{code.name}" in sources, f"{code} is never raised"
        assert f"`{code.value}`" in docs, f"{code} is not in docs/api-errors.md"


async def test_the_openapi_document_publishes_every_error_code(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    published = schema["components"]["schemas"]["ErrorCode"]["enum"]
    assert sorted(published) == sorted(code.value for code in ErrorCode)
    create = schema["paths"]["/api/courses"]["post"]["responses"]
    assert create["4XX"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }


def test_every_setting_is_documented() -> None:
    docs = (SRC.parent.parent / "docs" / "configuration.md").read_text()
    missing = [n for n in Settings.model_fields if f"`COURSEVAULT_{n.upper()}`" not in docs]
    assert missing == []


def test_every_setting_is_documented_under_its_group() -> None:
    """docs/configuration.md lists each setting under the heading that names the module of
    `coursevault.config` declaring it (`config/storage.py`, …)."""
    docs = (SRC.parent.parent / "docs" / "configuration.md").read_text()
    heading_of: dict[str, str] = {}
    heading = ""
    for line in docs.splitlines():
        if line.startswith("## "):
            heading = line
        elif found := re.match(r"\| `COURSEVAULT_(\w+)`", line):
            heading_of[found.group(1).lower()] = heading
    misplaced, seen = [], set()
    for group in Settings.__mro__:
        module = "`" + group.__module__.removeprefix("coursevault.").replace(".", "/") + ".py`"
        declared = [n for n in vars(group).get("__annotations__", {}) if n in Settings.model_fields]
        misplaced += [n for n in declared if module not in heading_of.get(n, "")]
        seen |= set(declared)
    assert seen == set(Settings.model_fields)
    assert misplaced == []


def test_every_rule_id_named_in_code_or_tests_is_explained_in_the_docs() -> None:
    root = SRC.parent.parent
    named = set()
    for path in [*SRC.rglob("*.py"), *(root / "tests").rglob("*.py")]:
        named |= set(re.findall(r"\b([JWSKPUCFMLDQ][1-9][0-9]?)\b", path.read_text()))
    docs = (root / "docs" / "security.md").read_text()
    explained = set(re.findall(r"^- \*\*([JWSKPUCFMLDQ][1-9][0-9]?)\*\*", docs, flags=re.MULTILINE))
    assert named - explained == set()


def test_D1_no_python_runs_between_fork_and_exec() -> None:
    """A `preexec_fn` (or a bare fork) lets Python run in a child that inherited other
    threads' locks; it froze the whole server once (D1)."""
    pattern = re.compile(r"preexec_fn\s*=|os\.fork\(|multiprocessing")
    offenders = [p.name for p in SRC.rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []


FEATURES = {"auth", "courses", "progress", "enrollments", "payments", "media", "streaming"}
FEATURES |= {"reports", "jobs", "captions", "engagement", "forensic", "certificates"}
FEATURES |= {"quizzes", "assessments"}
FEATURES |= {"transcripts"}
SALES = {"bundles", "gifts", "teams"}  # order kinds above payments
FEATURES |= SALES
FEATURES |= {"memberships"}  # subscriptions to plans, above payments and enrollments


def _imported_features(package: str) -> set[str]:
    """The coursevault packages and modules that PACKAGE's modules import."""
    paths = [SRC / f"{package}.py"] if (SRC / f"{package}.py").exists() else []
    paths += list((SRC / package).rglob("*.py")) if (SRC / package).is_dir() else []
    assert paths, f"no module or package {package}"  # a row for a moved room would pass empty
    found: set[str] = set()
    for path in paths:
        found |= set(re.findall(r"^from coursevault\.(\w+)", path.read_text(), re.MULTILINE))
        found |= set(re.findall(r"^from coursevault import (.+)$", path.read_text(), re.MULTILINE))
    return {name.strip() for item in found for name in item.split(",")} - {package}


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("database", FEATURES),
        ("errors", FEATURES),
        ("config", FEATURES),
        ("http", FEATURES),
        ("kdf", FEATURES),
        ("tokens", FEATURES),
        ("jobs", FEATURES),
        ("ffmpeg", FEATURES | {"database", "config", "errors", "http"}),
        ("watermark", FEATURES | {"database", "config", "errors", "http"}),
        ("progress", FEATURES),
        ("enrollments", FEATURES),
        # courses: only media/routes.py, which composes a video's deletion (checked below)
        ("media", FEATURES - {"auth", "jobs", "courses"}),
        (
            "courses",
            {"streaming", "payments", "reports", "jobs", "forensic", "assessments"}
            | SALES
            | {"memberships"},
        ),
        # quizzes sit below courses (keyed by ids, like progress); assessments above them
        ("quizzes", FEATURES),
        (
            "assessments",
            {"streaming", "payments", "reports", "jobs", "forensic", "memberships"} | SALES,
        ),
        ("captions", FEATURES - {"media", "auth"}),
        ("engagement", FEATURES),
        ("forensic", FEATURES - {"media", "auth"}),
        ("streaming", {"payments", "reports", "memberships"} | SALES),
        # payments knows no order kind's feature: their effects are handed over (routers.py),
        # and memberships takes its Stripe events through a hook (routers.STRIPE_EVENT_HOOKS)
        ("payments", {"reports", "memberships"} | SALES),
        # bundles, gifts and teams sell through payments and know nothing of each other
        ("bundles", {"reports"} | SALES),
        ("gifts", {"reports"} | SALES),
        ("teams", {"reports"} | SALES),
        # reports' money pages read the membership figures: memberships never climbs to it
        ("memberships", {"reports"} | SALES),
        # transcripts: above courses (search applies the lesson access rule), below streaming
        (
            "transcripts",
            {"streaming", "payments", "reports", "forensic", "certificates", "memberships"} | SALES,
        ),
    ],
)
def test_lower_floors_never_import_higher_ones(package: str, forbidden: set[str]) -> None:
    assert _imported_features(package) & forbidden == set()


def test_the_watermark_imports_nothing_of_the_app_but_ffmpeg() -> None:
    """Like ffmpeg/, the watermark's signal code runs without the app (the bench uses it)."""
    assert _imported_features("watermark") <= {"ffmpeg"}


def test_only_media_routes_imports_courses() -> None:
    """Deleting a video is composed above media on purpose (courses checks the lessons and
    hands media captions' cleanup); no other media module climbs to courses."""
    courses = re.compile(r"^from coursevault(\.courses\b| import .*\bcourses\b)", re.MULTILINE)
    importing = [p.name for p in (SRC / "media").rglob("*.py") if courses.search(p.read_text())]
    assert importing == ["routes.py"]
