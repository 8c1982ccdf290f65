"""Automatic captions: where the speech model comes from and how it runs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from coursevault.config.base import SettingsBase


class CaptionSettings(SettingsBase):
    # Transcribe every new video once it is ready (the studio and the CLI can ask anyway).
    captions_auto: bool = True
    # `bundled` (Whisper tiny.en from the captions-auto extra) or a directory holding a
    # CTranslate2 Whisper model; docs/configuration.md weighs the sizes.
    captions_model: str = "bundled"
    # The spoken language when known (a BCP 47 tag); unset: English for an `.en` model,
    # detected per video by a multilingual one.
    captions_language: str | None = None
    captions_device: Literal["auto", "cpu", "cuda"] = "auto"
    captions_threads: int = Field(default=0, ge=0)  # 0: every core
    captions_timeout_seconds: float = Field(default=6 * 3600, gt=0)
