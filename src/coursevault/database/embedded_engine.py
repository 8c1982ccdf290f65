"""mongoeco's SQLite engine, as the embedded server runs it: three adjustments, each measured.

Imported only by the embedded server process (mongoeco is loaded there, not in the app).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from mongoeco.core.identity import id_contains_numeric_value
from mongoeco.engines.sqlite import SQLiteEngine


class EmbeddedEngine(SQLiteEngine):
    # mongoeco 4.11 publishes every write to a change-stream outbox under a lease it waits
    # for with time.sleep on the server's event loop; under concurrent writers that stalled
    # the whole server for a lease TTL (30 s). We use no change streams.
    capabilities = dataclasses.replace(SQLiteEngine.capabilities, change_delivery="none")

    def _can_use_dedicated_reader(self, context: object) -> bool:
        # mongoeco 4.11's dedicated scan readers keep their own SQLite snapshot; in our
        # suite a scan (find by a non-_id field) then missed documents written moments
        # before on another connection. Shared-connection scans stay fresh.
        return False

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
