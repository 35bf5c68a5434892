"""A duplicate index server inside the test process, answering on the test's own database
connection (the test waits while the server works, so they never use it at once), so that it sees
the test's uncommitted rows as a separate server process sees committed ones."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connections

from lianxin.appeals.duplicates_remote import IndexServer


class InProcessServer(IndexServer):
    def __init__(self, address: str) -> None:
        super().__init__(address)
        self._shared = connections["default"]
        self._shared.inc_thread_sharing()
        self.requests: list[dict] = []  # what the workers sent, to check what leaves a worker

    def handle(self, request: dict) -> object:
        self.requests.append(request)
        return super().handle(request)

    def before_request(self) -> None:
        connections["default"] = self._shared

    def thread_done(self) -> None:
        pass

    def close(self) -> None:
        super().close()
        if self._shared.allow_thread_sharing:
            self._shared.dec_thread_sharing()


@contextmanager
def running_index_server(settings) -> Iterator[InProcessServer]:
    folder = tempfile.mkdtemp(prefix="lx-dup-", dir="/tmp")  # a Unix socket path must stay short
    address = str(Path(folder) / "dupindex.sock")
    settings.LIANXIN = {
        **settings.LIANXIN,
        "DUPLICATE_INDEX_ADDRESS": address,
        "DUPLICATE_INDEX_TIMEOUT_SECONDS": 10.0,
    }
    server = InProcessServer(address)
    server.start()
    try:
        yield server
    finally:
        server.close()
        shutil.rmtree(folder, ignore_errors=True)
