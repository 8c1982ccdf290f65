"""The media store of a Settings object: `storage(settings)` makes the backend it names
once (`local_store.LocalStore` or `s3_store.S3Store`) and `close_all` closes them at
shutdown. Kept out of `storage.py`: the backends import that module's checks, so choosing
between them there made an import circle."""

from __future__ import annotations

from coursevault.config import Settings, StorageKind
from coursevault.media.local_store import LocalStore
from coursevault.media.storage import Store

# One store per Settings object (Settings holds lists, so it cannot be a cache key itself);
# the object is kept beside its store so a recycled id() is never mistaken for it.
_stores: dict[int, tuple[Settings, Store]] = {}


def _make(settings: Settings) -> Store:
    if settings.storage is StorageKind.s3:
        # Imported here: a process on local storage never loads aiobotocore.
        from coursevault.media.s3_store import S3Store

        return S3Store(settings)
    return LocalStore(settings)


async def close_all() -> None:
    """Closes every store this process opened (at shutdown)."""
    for _, store in list(_stores.values()):
        await store.close()


def storage(settings: Settings) -> Store:
    """Returns the media store of SETTINGS (one object per settings)."""
    entry = _stores.get(id(settings))
    if entry is None or entry[0] is not settings:
        entry = (settings, _make(settings))
        _stores[id(settings)] = entry
    return entry[1]
