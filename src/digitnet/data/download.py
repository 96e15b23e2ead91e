"""Downloading data files from mirrors: checksummed, retried, written temp-then-rename.

A file is fetched from each mirror in turn (``mirror + name + ".gz"``) with a timeout and a few
retries with a growing pause between them. The bytes go to a temporary file beside their final
place; the sha256 of the *uncompressed* content is checked against the known value, and only then
is the file renamed into place with ``os.replace``, so the cache never holds a partial or
unverified file. Progress is reported through an optional callback, never printed.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import os
import socket
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from digitnet.errors import DataError, DownloadError

Progress = Callable[[int, "int | None"], None]
"""``progress(done_bytes, total_bytes)``; ``total_bytes`` is None when the server does not say."""

CHUNK_SIZE = 1 << 16
LOCAL_FILES_HINT = ("to work offline, put the files in a folder and pass --data-dir DIR "
                    "or set DIGITNET_DATA_DIR")


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset: its uncompressed name and the sha256 of its uncompressed bytes."""

    name: str
    sha256: str

    @property
    def remote_name(self) -> str:
        """The name on the mirrors, which serve the gzipped file."""
        return f"{self.name}.gz"


class _RetryableError(Exception):
    """A failure worth trying the same URL again for (timeouts, dropped connections, 5xx)."""


class _FatalError(Exception):
    """A failure that the same URL will repeat (404, mismatch, no server): go to the next mirror."""


def download_file(
    file: RemoteFile,
    mirrors: Sequence[str],
    dest_dir: Path,
    *,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 0.5,
    progress: Progress | None = None,
) -> Path:
    """Fetch ``file`` from the first mirror that delivers a verified copy; return its path.

    The result is ``dest_dir / file.remote_name``. Each mirror is tried up to ``retries`` times for
    errors that may pass (timeouts, dropped connections, server errors), sleeping
    ``backoff * 2**attempt`` seconds in between; a 4xx answer or a checksum mismatch moves on to
    the next mirror at once, and so do a refused connection and an unknown host name (no server,
    or no network), so that an offline machine learns it quickly.

    Raises:
        DownloadError: no mirror delivered a verified copy; the message lists every URL tried.
    """
    created = not dest_dir.exists()
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / file.remote_name
    failures: list[str] = []
    for mirror in mirrors:
        url = f"{mirror.rstrip('/')}/{file.remote_name}"
        for attempt in range(max(1, retries)):
            try:
                _fetch_verified(url, file, target, timeout, progress)
                return target
            except _FatalError as exc:
                failures.append(f"{url} ({exc})")
                break
            except _RetryableError as exc:
                if attempt + 1 >= max(1, retries):
                    failures.append(f"{url} ({exc}, {attempt + 1} attempts)")
                    break
                time.sleep(backoff * 2**attempt)
    if created:
        with contextlib.suppress(OSError):
            dest_dir.rmdir()  # leave no empty folder behind in the cache
    tried = "; ".join(failures) if failures else "no mirrors given"
    raise DownloadError(f"could not download {file.remote_name}: tried {tried}; {LOCAL_FILES_HINT}")


def download_files(
    files: Sequence[RemoteFile],
    mirrors: Sequence[str],
    dest_dir: Path,
    *,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 0.5,
    progress: Progress | None = None,
) -> list[Path]:
    """Download every file in ``files`` (see :func:`download_file`); stop at the first failure."""
    return [download_file(file, mirrors, dest_dir, timeout=timeout, retries=retries,
                          backoff=backoff, progress=progress) for file in files]


def _fetch_verified(url: str, file: RemoteFile, target: Path, timeout: float,
                    progress: Progress | None) -> None:
    """Download ``url`` into a temporary file, verify it, and rename it to ``target``."""
    handle, temp_name = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".part",
                                         dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            _fetch(url, out, timeout, progress)
        try:
            digest = uncompressed_sha256(temp)
        except DataError as exc:
            raise _FatalError("corrupt gzip data") from exc
        if digest != file.sha256:
            raise _FatalError(f"checksum mismatch: sha256 of the uncompressed data is "
                              f"{digest[:12]}..., expected {file.sha256[:12]}...")
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def _fetch(url: str, out: BinaryIO, timeout: float, progress: Progress | None) -> None:
    """Copy the body of ``url`` into the binary file ``out``, checking its announced length."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            if progress is not None:
                progress(0, total)
            while chunk := response.read(CHUNK_SIZE):
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    except urllib.error.HTTPError as exc:
        if 500 <= exc.code < 600:
            raise _RetryableError(f"HTTP {exc.code} {exc.reason}") from None
        raise _FatalError(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (ConnectionRefusedError, socket.gaierror)):
            raise _FatalError(_describe(exc.reason)) from None  # no server, or offline
        raise _RetryableError(_describe(exc.reason)) from None
    except (OSError, ValueError, http.client.HTTPException) as exc:  # timeouts, resets, cut-offs
        raise _RetryableError(_describe(exc)) from None
    if total is not None and done != total:
        raise _RetryableError(f"connection dropped after {done} of {total} bytes")


def _describe(reason: object) -> str:
    """A short text for a network failure, e.g. 'connection refused' or 'timed out'."""
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, OSError) and reason.strerror:
        return str(reason.strerror)
    text = str(reason) or type(reason).__name__
    return text.splitlines()[0] if text.splitlines() else text


def uncompressed_sha256(path: Path) -> str:
    """Return the hex sha256 of the file's content, decompressed first if it is gzipped.

    Raises:
        DataError: the file is gzipped but its stream is corrupt.
    """
    digest = hashlib.sha256()
    with path.open("rb") as head:
        gzipped = head.read(2) == b"\x1f\x8b"
    try:
        with (gzip.open(path, "rb") if gzipped else path.open("rb")) as stream:
            while chunk := stream.read(CHUNK_SIZE):
                digest.update(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: corrupt gzip data ({exc})") from None
    return digest.hexdigest()
