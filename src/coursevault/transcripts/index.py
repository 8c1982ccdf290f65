"""The caption search index: SQLite FTS5 in `DATA_DIR/search/captions.sqlite3`
(framework-free: cues in, matches out; every call is blocking, run it in a thread).

It is derived data: the `captions` collection is the truth, and each track is stored here
with the version (`updated_at`) it was indexed at, so every process (or node) brings its
own copy up to date by comparing versions, and a lost file is rebuilt on the next search.
The embedded database's `$text` took 0.3 s over 200 lessons (a Python scan), far from
the 50 ms a search may take; FTS5 ships with Python's sqlite3. Words are stemmed (porter),
so "encrypting" finds "encryption", and accents are ignored.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from coursevault.captions.parse import Cue

FILE = Path("search") / "captions.sqlite3"
# A cue's row id is its track's number times this plus its place: a track's rows are one
# range, deleted without scanning the index (a track holds at most 20,000 cues).
TRACK_SPAN = 100_000
OPEN, CLOSE = "\x02", "\x03"  # highlight marks that cannot occur in a cue's text
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8

SCHEMA = """
CREATE TABLE IF NOT EXISTS tracks (
    number INTEGER PRIMARY KEY, video_id TEXT NOT NULL, language TEXT NOT NULL,
    version TEXT NOT NULL, UNIQUE (video_id, language)
);
CREATE VIRTUAL TABLE IF NOT EXISTS cues USING fts5 (
    text, start UNINDEXED, stop UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""


@dataclass(frozen=True)
class Match:
    video_id: str
    language: str
    start: float
    end: float
    text: str
    spans: list[tuple[int, int]]  # [start, end) of each matched word, in UTF-16 code units


def match_expression(query: str) -> str | None:
    """The FTS5 query for what a person typed: every word must occur (the last one as a
    prefix, so results come while typing); None when QUERY has no word."""
    terms = _WORD.findall(query.lower())[:MAX_TERMS]
    if not terms:
        return None
    quoted = [f'"{t}"' for t in terms]
    quoted[-1] += "*"
    return " ".join(quoted)


class CaptionIndex:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
        connection.execute("PRAGMA synchronous=NORMAL")  # derived data: rebuilt if lost
        connection.executescript(SCHEMA)
        return connection

    def versions(self, video_ids: Iterable[str]) -> dict[tuple[str, str], str]:
        """The indexed version of each track of VIDEO_IDS."""
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT video_id, language, version FROM tracks "
                "WHERE video_id IN (SELECT value FROM json_each(?))",
                (json.dumps(list(video_ids)),),
            )
            return {(v, lang): version for v, lang, version in rows}

    def replace(self, video_id: str, language: str, version: str, cues: list[Cue]) -> None:
        """Indexes a track's cues as VERSION, replacing what was indexed of it."""
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                number = self._drop(db, video_id, language)
                if number is None:
                    number = db.execute(
                        "INSERT INTO tracks (video_id, language, version) VALUES (?, ?, ?)",
                        (video_id, language, version),
                    ).lastrowid
                else:
                    db.execute(
                        "INSERT INTO tracks (number, video_id, language, version) "
                        "VALUES (?, ?, ?, ?)",
                        (number, video_id, language, version),
                    )
                base = int(number or 0) * TRACK_SPAN
                db.executemany(
                    "INSERT INTO cues (rowid, text, start, stop) VALUES (?, ?, ?, ?)",
                    [(base + i, c.text, c.start, c.end) for i, c in enumerate(cues)],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def drop(self, video_id: str, language: str) -> None:
        """Forgets a track that no longer exists."""
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            self._drop(db, video_id, language)
            db.execute(
                "DELETE FROM tracks WHERE video_id = ? AND language = ?", (video_id, language)
            )
            db.execute("COMMIT")

    @staticmethod
    def _drop(db: sqlite3.Connection, video_id: str, language: str) -> int | None:
        row = db.execute(
            "DELETE FROM tracks WHERE video_id = ? AND language = ? RETURNING number",
            (video_id, language),
        ).fetchone()
        if row is None:
            return None
        number = int(row[0])
        db.execute(
            "DELETE FROM cues WHERE rowid >= ? AND rowid < ?",
            (number * TRACK_SPAN, (number + 1) * TRACK_SPAN),
        )
        return number

    def search(
        self, expression: str, video_ids: Iterable[str], language: str | None, limit: int
    ) -> list[Match]:
        """The best LIMIT cues matching EXPRESSION among the tracks of VIDEO_IDS."""
        with closing(self._connect()) as db:
            rows = db.execute(
                """
                WITH allowed AS (
                    SELECT number, video_id, language FROM tracks
                    WHERE video_id IN (SELECT value FROM json_each(?1))
                      AND (?2 IS NULL OR language = ?2)
                )
                SELECT allowed.video_id, allowed.language, cues.start, cues.stop,
                       highlight(cues, 0, ?3, ?4)
                FROM cues JOIN allowed ON allowed.number = cues.rowid / ?5
                WHERE cues MATCH ?6
                ORDER BY cues.rank LIMIT ?7
                """,
                (json.dumps(list(video_ids)), language, OPEN, CLOSE, TRACK_SPAN, expression, limit),
            ).fetchall()
        return [_match(*row) for row in rows]


def _match(video_id: str, language: str, start: float, end: float, marked: str) -> Match:
    text, spans, at16 = [], [], 0
    opened = 0
    for part in re.split(f"([{OPEN}{CLOSE}])", marked):
        if part == OPEN:
            opened = at16
        elif part == CLOSE:
            spans.append((opened, at16))
        else:
            text.append(part)
            at16 += len(part.encode("utf-16-le")) // 2
    return Match(video_id, language, float(start), float(end), "".join(text), spans)
