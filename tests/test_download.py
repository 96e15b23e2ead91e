"""Downloads run for real against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import hashlib
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from digitnet.data import read_idx
from digitnet.data.download import RemoteFile, download_file, download_files
from digitnet.data.idx import write_idx
from digitnet.errors import DownloadError

FAST = {"timeout": 5.0, "retries": 2, "backoff": 0.0}


class Server:
    """A local server; ``routes[path] = (behaviour, body)``, behaviour one of ok/drop/drop-once."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.hits: Counter[str] = Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits[self.path] += 1
                behaviour, body = server.routes.get(self.path, ("missing", b""))
                if behaviour == "missing":
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                cut = behaviour == "drop" or (behaviour == "drop-once"
                                              and server.hits[self.path] == 1)
                self.wfile.write(body[: len(body) // 2] if cut else body)
                self.close_connection = cut

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def serve(self, path: str, body: bytes, behaviour: str = "ok") -> None:
        self.routes[path] = (behaviour, body)


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()
    thread.join(timeout=5)


def _small_file(seed: int = 0) -> tuple[RemoteFile, bytes, np.ndarray]:
    """A tiny IDX image file, as its spec (name + checksum), its gzipped bytes and its array."""
    array = np.random.default_rng(seed).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    raw = write_idx(array)
    return RemoteFile("tiny-images-idx3-ubyte", hashlib.sha256(raw).hexdigest()), \
        gzip.compress(raw), array


def _files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_good_download_is_verified_and_renamed_into_place(server: Server, tmp_path: Path) -> None:
    spec, body, array = _small_file()
    server.serve("/m1/tiny-images-idx3-ubyte.gz", body)
    seen: list[tuple[int, int | None]] = []
    path = download_file(spec, [f"{server.url}/m1/"], tmp_path / "cache",
                         progress=lambda done, total: seen.append((done, total)), **FAST)
    assert path == tmp_path / "cache" / "tiny-images-idx3-ubyte.gz"
    np.testing.assert_array_equal(read_idx(path), array)
    assert _files_in(tmp_path / "cache") == [path]  # no temporary file left over
    assert seen[0] == (0, len(body)) and seen[-1] == (len(body), len(body))


def test_checksum_mismatch_is_rejected_and_leaves_nothing(server: Server, tmp_path: Path) -> None:
    spec, _, _ = _small_file(0)
    _, other_body, _ = _small_file(1)
    server.serve("/m1/tiny-images-idx3-ubyte.gz", other_body)
    with pytest.raises(DownloadError, match="checksum mismatch") as info:
        download_file(spec, [f"{server.url}/m1"], tmp_path / "cache", **FAST)
    assert "\n" not in str(info.value)
    assert _files_in(tmp_path / "cache") == []
    assert server.hits["/m1/tiny-images-idx3-ubyte.gz"] == 1  # a mismatch is not retried


def test_connection_dropped_half_way_is_retried(server: Server, tmp_path: Path) -> None:
    spec, body, array = _small_file()
    server.serve("/m1/tiny-images-idx3-ubyte.gz", body, "drop-once")
    path = download_file(spec, [f"{server.url}/m1/"], tmp_path / "cache", **FAST)
    np.testing.assert_array_equal(read_idx(path), array)
    assert server.hits["/m1/tiny-images-idx3-ubyte.gz"] == 2


def test_connection_always_dropped_moves_to_next_mirror(server: Server, tmp_path: Path) -> None:
    spec, body, array = _small_file()
    server.serve("/m1/tiny-images-idx3-ubyte.gz", body, "drop")
    server.serve("/m2/tiny-images-idx3-ubyte.gz", body)
    path = download_file(spec, [f"{server.url}/m1/", f"{server.url}/m2/"], tmp_path / "c",
                         **FAST)
    np.testing.assert_array_equal(read_idx(path), array)
    assert server.hits["/m1/tiny-images-idx3-ubyte.gz"] == 2  # retries=2
    assert _files_in(tmp_path / "c") == [path]


def test_connection_always_dropped_gives_download_error(server: Server, tmp_path: Path) -> None:
    spec, body, _ = _small_file()
    server.serve("/m1/tiny-images-idx3-ubyte.gz", body, "drop")
    with pytest.raises(DownloadError, match=r"connection dropped after \d+ of \d+ bytes"):
        download_file(spec, [f"{server.url}/m1/"], tmp_path / "cache", **FAST)
    assert _files_in(tmp_path / "cache") == []


def test_404_on_first_mirror_then_success_on_second(server: Server, tmp_path: Path) -> None:
    spec, body, array = _small_file()
    server.serve("/m2/tiny-images-idx3-ubyte.gz", body)
    path = download_file(spec, [f"{server.url}/m1/", f"{server.url}/m2/"], tmp_path / "cache",
                         **FAST)
    np.testing.assert_array_equal(read_idx(path), array)
    assert server.hits["/m1/tiny-images-idx3-ubyte.gz"] == 1  # a 404 is not retried


def test_several_files_and_a_404_everywhere(server: Server, tmp_path: Path) -> None:
    first, body, _ = _small_file(0)
    server.serve("/m/tiny-images-idx3-ubyte.gz", body)
    missing = RemoteFile("absent-labels-idx1-ubyte", "0" * 64)
    with pytest.raises(DownloadError, match=r"absent-labels-idx1-ubyte\.gz \(HTTP 404"):
        download_files([first, missing], [f"{server.url}/m/"], tmp_path / "cache", **FAST)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_no_server_gives_a_clear_offline_message(tmp_path: Path) -> None:
    spec, _, _ = _small_file()
    mirrors = [f"http://127.0.0.1:{_closed_port()}/a/", f"http://127.0.0.1:{_closed_port()}/b/"]
    with pytest.raises(DownloadError) as info:
        download_file(spec, mirrors, tmp_path / "cache", **FAST)
    message = str(info.value)
    assert "\n" not in message
    assert all(f"{m}tiny-images-idx3-ubyte.gz (connection refused" in message for m in mirrors)
    assert "--data-dir" in message and "DIGITNET_DATA_DIR" in message
    assert not (tmp_path / "cache").exists()
