"""mongoeco's SQLite engine, as the embedded server runs it: seven adjustments, each measured.

Imported only by the embedded server process (mongoeco is loaded there, not in the app).
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import sqlite3
import threading
import weakref
from contextlib import suppress
from typing import Any

from mongoeco import ObjectId
from mongoeco.compat import MONGODB_DIALECT_70
from mongoeco.core.identity import document_matches_root_id_lookup, id_contains_numeric_value
from mongoeco.core.projections import apply_projection
from mongoeco.core.query_plan import EqualsCondition
from mongoeco.engines._sqlite_connection import sqlite_read_scope
from mongoeco.engines.sqlite import SQLiteEngine

# mongoeco 4.11 keeps facts about a collection's fields under (db, coll, "<kind>:<field>[:<arg>]")
# and drops all of a collection's facts on every write to it. All but one say "some document
# has P at this field"; such a fact is carried over a write by asking mongoeco's own probe
# about the rows the write added or removed. Kind -> (probe, whether the key has an <arg>).
_SOME_DOCUMENT_FACTS: dict[str, tuple[str, bool]] = {
    "top_level_array": ("_field_is_top_level_array_in_collection", False),
    "traverses_array": ("_field_traverses_array_in_collection", False),
    "traverses_dbref": ("_field_traverses_dbref_in_collection", False),
    "contains_real_numeric": ("_field_contains_real_numeric_in_collection", False),
    "contains_non_ascii_text": ("_field_contains_non_ascii_text_in_collection", False),
    "tagged_type": ("_field_contains_tagged_value_type_in_collection", True),
    "comparison_mismatch": ("_field_has_comparison_type_mismatch_in_collection", True),
    "scalar_or_array_comparison_mismatch": (
        "_field_has_scalar_or_array_element_type_mismatch_in_collection",
        True,
    ),
}
# The other: "every document of a non-empty collection has one scalar type T at this field".
_UNIFORM_KIND = "uniform_scalar_sort_type"
_UNIFORM_PROBE = "_field_has_uniform_scalar_sort_type_in_collection"
_MAX_ROWS_PER_WRITE = 64  # bounds what a write holds and probes; past it, forget as mongoeco does
_TOO_MANY, _FORGET = object(), object()


def _exact_id_lookup(plan: Any) -> bool:
    """An equality on the top-level `_id` with a text or ObjectId value, as BSON decodes
    them (a `str` subclass, possible in-process only, keeps mongoeco's path)."""
    return (
        isinstance(plan, EqualsCondition)
        and plan.field == "_id"
        and type(plan.value) in (str, ObjectId)
    )


class _OneRow:
    """What mongoeco's probes use of the engine, over a table holding one document row."""

    # Slots, so that a probe reaching for anything else raises and its fact is forgotten.
    __slots__ = ("_collection_features_cache", "_conn", "lock")

    def __init__(self) -> None:
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute(
            "CREATE TABLE documents (db_name TEXT NOT NULL, coll_name TEXT NOT NULL,"
            " storage_key TEXT NOT NULL, document TEXT NOT NULL)"
        )
        self._collection_features_cache: dict[tuple[str, str, str], Any] = {}
        self.lock = threading.Lock()

    def _require_connection(self) -> sqlite3.Connection:
        return self._conn

    def probe(self, db: str, coll: str, row: str, probe: str, args: tuple[str, ...]) -> Any:
        with self.lock:
            self._conn.execute("DELETE FROM documents")
            self._conn.execute("INSERT INTO documents VALUES (?, ?, '', ?)", (db, coll, row))
            self._collection_features_cache.clear()
            return getattr(SQLiteEngine, probe)(self, db, coll, *args)


class EmbeddedEngine(SQLiteEngine):
    # mongoeco 4.11 publishes every write to a change-stream outbox under a lease it waits
    # for with time.sleep on the server's event loop; under concurrent writers that stalled
    # the whole server for a lease TTL (30 s). We use no change streams.
    capabilities = dataclasses.replace(SQLiteEngine.capabilities, change_delivery="none")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Set before super().__init__, which may already invalidate.
        self._written_rows: dict[tuple[str, str], Any] = {}
        self._written_rows_lock = threading.Lock()
        self._reporting_connection: sqlite3.Connection | None = None
        self._one_row = _OneRow()
        self._planning = threading.local()
        weakref.finalize(self, self._one_row._conn.close)  # unclosed: a ResourceWarning
        super().__init__(*args, **kwargs)

    async def _run_blocking(self, func: Any, /, *args: Any, **kwargs: Any) -> Any:
        # mongoeco 4.11 hands every operation to a pool of threads and waits on the event
        # loop for it. One Python process runs one thread at a time, so the pool adds no
        # throughput, only two handovers of the interpreter per operation; under load the
        # loop thread waits its turn behind the workers (a convoy) and answers slower than
        # it is asked: 1,500 playback starts at 67/s queued to p99 8.9 s and 97 database
        # timeouts with the pool, p99 0.22 s and none run here (docs/performance.md).
        # The same context copy the pool made: the command's clock travels in it.
        return contextvars.copy_context().run(functools.partial(func, *args, **kwargs))

    def _compile_read_execution_plan(
        self,
        db_name: str,
        coll_name: str,
        semantics: Any,
        *,
        select_clause: str = "document",
        hint: Any = None,
    ) -> Any:
        # mongoeco 4.11 plans a find of one top-level equality on a field with a plain
        # single-field index through that index (`_plan_find_semantics_sync`, what explain
        # shows), but runs every find of more than one document through this generic plan,
        # which reads the whole collection: a student's grants, `{"user_id": id}`, cost
        # 2.9 ms among 2,000 and 4.7 ms among 4,000. Such finds take the indexed plan here;
        # without a limit only (with one, another order would pick other documents), and
        # everything else as before. The indexed plan's rows come in index order, which
        # MongoDB leaves undefined without a sort, as the generic plan's does.
        planning = self._planning
        if (
            select_clause == "document"
            and hint is None
            and semantics.limit is None
            and not getattr(planning, "active", False)
            and isinstance(semantics.query_plan, EqualsCondition)
            and semantics.query_plan.field != "_id"
            # Text only, what the application looks up this way: the indexed plan of 4.11
            # tells null from a missing field (or undefined) where the generic one does
            # not (tests/test_engine_facts.py found it).
            and type(semantics.query_plan.value) is str
        ):
            planning.active = True  # the planner's fallback calls back in: the generic plan
            try:
                return self._plan_find_semantics_sync(db_name, coll_name, semantics)
            finally:
                planning.active = False
        return super()._compile_read_execution_plan(
            db_name, coll_name, semantics, select_clause=select_clause, hint=hint
        )

    def _can_use_dedicated_reader(self, context: object) -> bool:
        # mongoeco 4.11's dedicated scan readers keep their own SQLite snapshot; in our
        # suite a scan (find by a non-_id field) then missed documents written moments
        # before on another connection. Shared-connection scans stay fresh. They also learn
        # every fact under the engine lock on the one connection that writes; a fact learned
        # from an older snapshot would be carried over later writes as if it were current.
        return False

    def _select_first_document_for_plan(
        self,
        db_name: str,
        coll_name: str,
        plan: Any,
        *,
        hint: Any = None,
        context: Any = None,
    ) -> tuple[str, dict[str, Any]] | None:
        # mongoeco 4.11 looks an `_id` up by its storage key, but takes a miss for "this
        # plan cannot be looked up" and reads the whole collection: an upsert of a new
        # stream slot took 3.4 ms among 4,000 slots (1.0 ms in an empty collection). For a
        # text or ObjectId `_id` the storage key is the only place a match can be (only
        # numbers have several forms of one `_id`), so a miss there is the answer.
        if hint is not None or not _exact_id_lookup(plan):
            return super()._select_first_document_for_plan(
                db_name, coll_name, plan, hint=hint, context=context
            )
        conn = self._require_connection(context)
        with self._bind_connection(conn), sqlite_read_scope(conn):
            row = conn.execute(
                "SELECT storage_key, document FROM documents"
                " WHERE db_name = ? AND coll_name = ? AND storage_key = ?",
                (db_name, coll_name, self._storage_key(plan.value)),
            ).fetchone()
        if row is None:
            return None
        document = self._deserialize_document(row[1])
        # mongoeco's own check of the row it found, kept: it cannot fail for these values.
        if not document_matches_root_id_lookup(document, plan.value, dialect=MONGODB_DIALECT_70):
            return None
        return row[0], document

    def _open_scan_documents_sync(self, reader: Any) -> Any:
        # A find of one document by such an `_id` (find_one) asks the lookup above, and on
        # a miss mongoeco 4.11 reads the whole collection once more; the miss is the answer.
        semantics = reader.semantics
        if (
            semantics.hint is None
            and semantics.text_query is None
            and semantics.sort is None
            and semantics.skip == 0
            and semantics.limit == 1
            and semantics.collation is None
            and _exact_id_lookup(semantics.query_plan)
            and not self._is_profile_namespace(reader.coll_name)
        ):
            selected = self._select_first_document_for_plan(
                reader.db_name, reader.coll_name, semantics.query_plan, context=reader.context
            )
            if selected is None:
                return iter(())
            # What mongoeco answers for a found one, in the same shape.
            shown = apply_projection(
                selected[1],
                semantics.projection,
                selector_filter=semantics.filter_spec,
                dialect=semantics.dialect,
            )
            return iter((shown,))
        return super()._open_scan_documents_sync(reader)

    def _validate_document_against_unique_indexes(
        self,
        db_name: str,
        coll_name: str,
        document: dict[str, Any],
        *,
        exclude_storage_key: str | None = None,
        skip_id_check: bool = False,
        scan_payload_id: bool = False,
    ) -> None:
        # mongoeco 4.11 reads and decodes every document of the collection on each insert,
        # looking for an `_id` equal to the new one but stored differently, which only
        # numbers can be (1, 1.0 and Int64(1) are one `_id`). Strings and ObjectIds, all
        # this application writes, are found exactly by the storage-key lookup that runs
        # first; an insert into 4,000 sessions took 40 ms.
        if scan_payload_id and not id_contains_numeric_value(document.get("_id")):
            scan_payload_id = False
        super()._validate_document_against_unique_indexes(
            db_name,
            coll_name,
            document,
            exclude_storage_key=exclude_storage_key,
            skip_id_check=skip_id_check,
            scan_payload_id=scan_payload_id,
        )

    # mongoeco 4.11 forgets every fact about a collection's fields on each write to it, and the
    # next query filtered on a field other than _id scans the whole collection about four times
    # per field to learn them again (bench/engine_facts.py, 4,000 sessions: a heartbeat-shaped
    # update took 35 ms, 3.2 ms with this).
    # Temporary triggers on `documents` report each row a write adds or removes, whatever the
    # write path (rename, TTL purge and $merge included); only this connection writes it.
    def _connect_sync(self) -> None:
        super()._connect_sync()
        with self._lock:
            conn = self._connection
            if conn is None or conn is self._reporting_connection:
                return
            old = "SELECT coursevault_row(OLD.db_name, OLD.coll_name, 0, OLD.document);"
            new = "SELECT coursevault_row(NEW.db_name, NEW.coll_name, 1, NEW.document);"
            triggers = (("ai", "INSERT", new), ("ad", "DELETE", old), ("au", "UPDATE", old + new))
            try:
                conn.create_function("coursevault_row", 4, self._note_row)
                for name, event, body in triggers:
                    conn.execute(
                        f"CREATE TEMP TRIGGER IF NOT EXISTS coursevault_documents_{name}"
                        f" AFTER {event} ON main.documents BEGIN {body} END"
                    )
            except sqlite3.Error:
                # All three or none: with none, no write reports rows and every fact is
                # forgotten on writes, as mongoeco does.
                with suppress(sqlite3.Error):
                    for name, _, _ in triggers:
                        conn.execute(f"DROP TRIGGER IF EXISTS temp.coursevault_documents_{name}")
                return
            self._reporting_connection = conn

    def _note_row(self, db: str, coll: str, added: int, row: str) -> None:
        with self._written_rows_lock:
            rows = self._written_rows.setdefault((db, coll), [])
            if rows is _TOO_MANY:
                return
            if len(rows) >= _MAX_ROWS_PER_WRITE:
                self._written_rows[(db, coll)] = _TOO_MANY
                return
            rows.append((bool(added), row))

    def _invalidate_collection_features_cache(
        self, db_name: str | None = None, coll_name: str | None = None
    ) -> None:
        if db_name is None or coll_name is None:
            # (Re)connects and every rollback: rows reported by an undone write must not
            # be carried into facts.
            with self._written_rows_lock:
                self._written_rows.clear()
            super()._invalidate_collection_features_cache(db_name, coll_name)
            return
        with self._written_rows_lock:
            rows = self._written_rows.pop((db_name, coll_name), None)
        if rows is None or rows is _TOO_MANY:  # an index or namespace change, or a large write
            super()._invalidate_collection_features_cache(db_name, coll_name)
            return
        facts = self._collection_features_cache
        for key in [k for k in facts if k[0] == db_name and k[1] == coll_name]:
            try:
                value = self._carried_over(db_name, coll_name, key[2], facts[key], rows)
            except Exception:  # in any doubt, forget, as mongoeco does
                value = _FORGET
            if value is _FORGET:
                facts.pop(key, None)
            else:
                facts[key] = value

    def _carried_over(
        self, db: str, coll: str, name: str, value: Any, rows: list[tuple[bool, str]]
    ) -> Any:
        """The fact's value after the rows (an update: its old row, then its new one)."""
        kind, _, rest = name.partition(":")
        if kind == _UNIFORM_KIND:
            if not isinstance(value, str):
                return _FORGET  # False also means "empty", which one added row changes
            # While the collection surely holds a row of type T, a row of another type
            # makes it mixed (False); after a removal it may hold only the new row.
            holds_t = True
            for added, row in rows:
                if not added:
                    if value is False:
                        return _FORGET  # the one row of another type may be this one
                    holds_t = False
                elif value is not False:
                    if self._one_row.probe(db, coll, row, _UNIFORM_PROBE, (rest,)) == value:
                        holds_t = True
                    elif holds_t:
                        value = False
                    else:
                        return _FORGET
            return value if holds_t or value is False else _FORGET  # it may now be empty
        if kind not in _SOME_DOCUMENT_FACTS or not isinstance(value, bool):
            return _FORGET
        probe, has_arg = _SOME_DOCUMENT_FACTS[kind]
        args = tuple(rest.rsplit(":", 1)) if has_arg else (rest,)
        for added, row in rows:
            if added:
                if not value and self._one_row.probe(db, coll, row, probe, args):
                    value = True
            elif value and self._one_row.probe(db, coll, row, probe, args):
                return _FORGET  # the removed row may have been the only one with P
        return value
