"""The embedded MongoDB-compatible server: mongoeco's wire server over SQLite in DATA_DIR.

It runs as its own small process so that several app workers, the CLI and standalone
job workers can share one database file. Exactly one server owns a data directory (an
exclusive `flock`); whoever needs it either finds the running one or starts one, and a
server started by a process ends when that process ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

DB_DIR_NAME = "db"
DB_FILE_NAME = "coursevault.sqlite3"
LOCK_FILE_NAME = "server.lock"
STATE_FILE_NAME = "server.json"
PORT_FILE_NAME = "server.port"  # kept after the server ends: the next one reuses the port
START_TIMEOUT_SECONDS = 30.0
EXIT_ALREADY_RUNNING = 3


class EmbeddedServerError(RuntimeError):
    """The embedded database server could not be started or reached."""


@dataclass
class EmbeddedServer:
    """A reachable embedded server; `process` is set when this process started it."""

    uri: str
    pid: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return int(self.uri.rsplit(":", 1)[1].split("/")[0])

    def alive(self) -> bool:
        """Whether its process still runs (a child of ours that died is reaped here)."""
        if self.process is not None:
            return self.process.poll() is None
        return _pid_alive(self.pid)

    def stop(self, timeout: float = 10.0) -> None:
        """Stops the server if this process started it; leaves a shared one running."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def db_dir(data_dir: Path) -> Path:
    return data_dir / DB_DIR_NAME


def _read_state(data_dir: Path) -> tuple[int, int] | None:
    try:
        state = json.loads((db_dir(data_dir) / STATE_FILE_NAME).read_text())
        return int(state["pid"]), int(state["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _last_port(data_dir: Path) -> int:
    try:
        return int((db_dir(data_dir) / PORT_FILE_NAME).read_text())
    except (OSError, ValueError):
        return 0


def _uri(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


def _answers(uri: str, timeout_ms: int = 1000) -> bool:
    client: MongoClient[dict[str, object]] = MongoClient(
        uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms
    )
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed child that its parent has not reaped yet still answers signal 0.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def find_running(data_dir: Path) -> EmbeddedServer | None:
    """Returns the server that owns DATA_DIR if one is running and answers."""
    state = _read_state(data_dir)
    if state is None:
        return None
    pid, port = state
    if not _pid_alive(pid) or not _answers(_uri(port)):
        return None
    return EmbeddedServer(uri=_uri(port), pid=pid)


def ensure_running(data_dir: Path, port: int = 0, owner: int | None = None) -> EmbeddedServer:
    """Returns the running server for DATA_DIR, starting one if needed that ends when the
    OWNER pid does (this process by default). It listens on PORT when given, else on the
    port the data directory's last server used, so clients that outlived it reconnect by
    themselves (D3)."""
    data_dir = data_dir.resolve()
    running = find_running(data_dir)
    if running is not None:
        return running
    # A restart asks for the port its clients dial and must get exactly that one (another
    # process there would receive their queries); a fresh start only prefers the last one.
    strict, port = bool(port), port or _last_port(data_dir)
    db_dir(data_dir).mkdir(parents=True, exist_ok=True)
    log = (db_dir(data_dir) / "server.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no user input
        [
            sys.executable,
            "-m",
            "coursevault.database.embedded_server",
            str(data_dir),
            str(owner or os.getpid()),
            str(port),
            "strict" if strict else "prefer",
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,  # Ctrl-C reaches us; we stop it in order after the app.
    )
    log.close()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        state = _read_state(data_dir)
        if state is not None and state[0] == process.pid and _answers(_uri(state[1])):
            # Started for another owner, it is not ours to stop when we close.
            mine = process if owner is None else None
            return EmbeddedServer(uri=_uri(state[1]), pid=process.pid, process=mine)
        if process.poll() is not None:
            # Another starter won the lock between our look and our start: use theirs.
            running = find_running(data_dir)
            if running is not None:
                return running
            if process.returncode != EXIT_ALREADY_RUNNING:
                raise EmbeddedServerError(
                    f"the embedded database exited with code {process.returncode}; "
                    f"see {db_dir(data_dir) / 'server.log'}"
                )
        time.sleep(0.05)
    process.kill()
    raise EmbeddedServerError(
        f"the embedded database did not start within {START_TIMEOUT_SECONDS}s"
    )


def _engine(path: Path) -> object:
    from coursevault.database.embedded_engine import EmbeddedEngine

    return EmbeddedEngine(str(path))


async def _serve(data_dir: Path, parent_pid: int, port: int, strict: bool) -> None:
    from mongoeco.wire import AsyncMongoEcoProxyServer

    engine = _engine(db_dir(data_dir) / DB_FILE_NAME)
    server = AsyncMongoEcoProxyServer(engine=engine, host="127.0.0.1", port=port)
    try:
        address = await server.start()
    except OSError:
        if strict:
            raise
        # The last server's port was taken meanwhile: any free one will do.
        server = AsyncMongoEcoProxyServer(engine=engine, host="127.0.0.1", port=0)
        address = await server.start()
    (db_dir(data_dir) / PORT_FILE_NAME).write_text(str(address.port))
    state_path = db_dir(data_dir) / STATE_FILE_NAME
    tmp = state_path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "port": address.port}))
    tmp.replace(state_path)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        while not stop.is_set():
            if not _pid_alive(parent_pid):
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)
    finally:
        with contextlib.suppress(OSError):
            if _read_state(data_dir) == (os.getpid(), address.port):
                state_path.unlink()
        await server.close()


def main(argv: list[str]) -> int:
    data_dir, parent_pid = Path(argv[0]), int(argv[1])
    port = int(argv[2]) if len(argv) > 2 else 0
    strict = len(argv) > 3 and argv[3] == "strict"
    db_dir(data_dir).mkdir(parents=True, exist_ok=True)
    lock = (db_dir(data_dir) / LOCK_FILE_NAME).open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return EXIT_ALREADY_RUNNING
    asyncio.run(_serve(data_dir, parent_pid, port, strict))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
