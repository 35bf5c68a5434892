"""One duplicate index per host, shared by every worker: the server and its client.

An embedded `RecentAppealsIndex` costs each process about 1.2 GB per million appeals in its window
and a fresh worker several seconds to build. With `LIANXIN_DUPLICATE_INDEX` set, the workers ask
one index server instead (`lianxin duplicate_index serve`), which holds the same
`RecentAppealsIndex`, brings it up to date from the database before each lookup exactly as an
embedded one does, and answers with the candidates; the worker names them (tracking numbers,
merge survivors) from the database itself. The decisions are the embedded index's, unchanged.

The protocol is `multiprocessing.connection` (a Unix socket or a TCP port on 127.0.0.1, with an
HMAC handshake on a key derived from SECRET_KEY) carrying JSON, never pickles. A lookup that fails
or outlasts `DUPLICATE_INDEX_TIMEOUT_SECONDS` raises; intake then goes on without duplicate hints
and records why in the suggestion's error (`triage_bridge`), as it does for any engine failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import socket
import stat
import threading
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.db import close_old_connections, connections

from .duplicates import DuplicateHint, Found, RecentAppealsIndex, hints_for, hints_for_many, window_days

logger = logging.getLogger(__name__)

_MAX_MESSAGE = 8 * 1024 * 1024  # a batch of 500 appeals of ~2,000 characters fits with room


class IndexUnavailableError(RuntimeError):
    """The index server did not answer (down, restarting, or too slow)."""


def parse_address(address: str) -> tuple[str | tuple[str, int], str]:
    """`multiprocessing.connection`'s address and family for "host:port" or a socket path."""
    address = address.removeprefix("unix:")
    host, sep, port = address.rpartition(":")
    if sep and port.isdigit() and "/" not in address:
        return (host or "127.0.0.1", int(port)), "AF_INET"
    return address, "AF_UNIX"


def authkey() -> bytes:
    return hmac.new(str(settings.SECRET_KEY).encode(), b"lianxin-duplicate-index", hashlib.sha256).digest()


class RemoteAppealsIndex:
    """The worker's side: the same `check`/`check_many` as an embedded index, over one connection
    per thread (reopened after any failure)."""

    def __init__(self, address: str, *, timeout: float | None = None) -> None:
        self.address, self.family = parse_address(address)
        self.timeout = (
            float(settings.LIANXIN.get("DUPLICATE_INDEX_TIMEOUT_SECONDS", 2.0))
            if timeout is None
            else timeout
        )
        self._local = threading.local()

    def _call(self, request: dict[str, Any]) -> Any:
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) != os.getpid():
            conn = None  # opened before a fork (a preloading server): the parent's, never shared
        try:
            if conn is None:
                conn = self._connect()
                self._local.conn, self._local.pid = conn, os.getpid()
            conn.send_bytes(json.dumps(request, ensure_ascii=False).encode())
            if not conn.poll(self.timeout):
                raise IndexUnavailableError(f"no answer within {self.timeout:g} s")
            reply = json.loads(conn.recv_bytes(_MAX_MESSAGE))
        except (OSError, EOFError, ValueError, AuthenticationError, IndexUnavailableError) as exc:
            self.close()  # a late answer must not be read as the next request's
            if isinstance(exc, IndexUnavailableError):
                raise
            raise IndexUnavailableError(
                f"duplicate index at {self.address!r}: {exc.__class__.__name__}: {exc}"
            ) from exc
        if not reply.get("ok"):
            raise IndexUnavailableError(f"duplicate index refused the request: {reply.get('error')}")
        return reply.get("result")

    def _connect(self) -> Connection:
        # Without a listener (server down or restarting) this fails at once, on a socket path as on
        # a local port; the handshake is the server's accept loop's only work.
        return Client(self.address, family=self.family, authkey=authkey())

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def refresh(self) -> None:
        self._call({"op": "refresh"})

    def stats(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._call({"op": "stats"}))

    def check(
        self, text: str, *, area_path: str | None, phone: str | None, k: int = 5
    ) -> list[DuplicateHint]:
        found = self._call(
            {"op": "check", "text": text, "area_path": area_path, "phone": phone or "", "k": k}
        )
        return hints_for([_found(c) for c in found])

    def check_many(
        self, texts: list[str], *, area_paths: list[str | None], phones: list[str], k: int = 5
    ) -> list[list[DuplicateHint]]:
        found = self._call(
            {
                "op": "check_many",
                "texts": texts,
                "area_paths": area_paths,
                "phones": [p or "" for p in phones],
                "k": k,
            }
        )
        return hints_for_many([[_found(c) for c in item] for item in found])


def _found(row: list[Any]) -> Found:
    pk, score, same_phone = row
    return (pk if isinstance(pk, str) else int(pk), float(score), bool(same_phone))


class IndexServer:
    """The host's one index: answers lookups from many workers, one at a time (each takes a few
    milliseconds; the index is locked meanwhile), each connection on its own thread with its own
    database connection."""

    def __init__(self, address: str, *, index: RecentAppealsIndex | None = None) -> None:
        self.address, self.family = parse_address(address)
        self.index = index or RecentAppealsIndex(window_days())
        self._listener: Listener | None = None
        self._thread: threading.Thread | None = None
        self._closing = threading.Event()

    def bind(self) -> None:
        if self.family == "AF_UNIX":
            path = Path(cast(str, self.address))
            if path.exists() and stat.S_ISSOCK(path.stat().st_mode):
                path.unlink()  # left behind by a server that did not stop cleanly
            old = os.umask(0o117)  # the socket: owner and group only
            try:
                self._listener = Listener(self.address, family=self.family, authkey=authkey())
            finally:
                os.umask(old)
        else:
            self._listener = Listener(self.address, family=self.family, authkey=authkey())

    def serve_forever(self) -> None:
        assert self._listener is not None, "bind() first"
        while not self._closing.is_set():
            try:
                conn = self._listener.accept()
            except OSError:
                if self._closing.is_set():
                    break
                logger.exception("Duplicate index: accepting a connection failed")
                continue
            except (AuthenticationError, EOFError):
                logger.warning("Duplicate index: a connection without the deployment's key was refused")
                continue
            threading.Thread(
                target=self._serve_connection, args=(conn,), daemon=True, name="lianxin-dupindex-conn"
            ).start()

    def start(self) -> None:
        """Bind and serve on a background thread (tests, or an embedding process)."""
        self.bind()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="lianxin-dupindex")
        self._thread.start()

    def close(self) -> None:
        if self._closing.is_set():
            return
        self._closing.set()
        if self._listener is not None:
            self._wake_accept()
            self._listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _wake_accept(self) -> None:
        """Closing a listening socket does not wake a thread blocked in accept(): connect once."""
        try:
            with socket.socket(socket.AF_UNIX if self.family == "AF_UNIX" else socket.AF_INET) as s:
                s.settimeout(1)
                s.connect(self.address)
        except OSError:
            pass

    def _serve_connection(self, conn: Connection) -> None:
        try:
            while True:
                try:
                    request = json.loads(conn.recv_bytes(_MAX_MESSAGE))
                except (EOFError, OSError, ValueError):
                    return
                self.before_request()
                try:
                    reply = {"ok": True, "result": self.handle(request)}
                except Exception as exc:  # the worker goes on without hints and logs it
                    logger.exception("Duplicate index request failed")
                    reply = {"ok": False, "error": exc.__class__.__name__}
                conn.send_bytes(json.dumps(reply, ensure_ascii=False).encode())
        finally:
            conn.close()
            self.thread_done()

    def before_request(self) -> None:
        """Drop a database connection that has failed or outlived CONN_MAX_AGE (as between requests)."""
        close_old_connections()

    def thread_done(self) -> None:
        connections.close_all()

    def handle(self, request: dict[str, Any]) -> Any:
        op = request.get("op")
        if op == "check":
            return self.index.candidates(
                str(request["text"]),
                area_path=request.get("area_path"),
                phone=request.get("phone") or None,
                k=int(request.get("k", 5)),
            )
        if op == "check_many":
            return self.index.candidates_many(
                list(request["texts"]),
                area_paths=list(request["area_paths"]),
                phones=list(request["phones"]),
                k=int(request.get("k", 5)),
            )
        if op == "refresh":
            self.index.refresh()
            return None
        if op == "stats":
            return {**self.index.stats(), "rss_bytes": resident_bytes()}
        raise ValueError(f"unknown op {op!r}")


def resident_bytes() -> int:
    """This process's resident memory (Linux; 0 elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
