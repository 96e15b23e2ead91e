"""Downloading data files from mirrors: checksummed, retried, written temp-then-rename.

The HTTP transfer itself (streaming, timeouts, the announced length, progress) is pooch's
``HTTPDownloader``. pooch comes with the ``data`` extra (``pip install 'digitnet[data]'``) and is
imported only when a download is needed, so files already on disk load with NumPy alone.

What stays here is the policy around the transfer. A file is fetched from each mirror in turn
(``mirror + name + ".gz"``), retried a few times with a growing pause when the failure may pass
(a timeout, a dropped connection, a server error). The bytes go to a temporary file beside their
final place; the sha256 of the *uncompressed* content is checked against the known value (the
``.gz`` wrappers differ between mirrors, so only the content's hash is stable, which is why
pooch's own hash check of the downloaded bytes is not used), and only then is the file renamed
into place with ``os.replace``, so the cache never holds a partial or unverified file. Progress
is reported through an optional callback, never printed.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import socket
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from digitnet.errors import DataError, DownloadError

Progress = Callable[[int, "int | None"], None]
"""``progress(done_bytes, total_bytes)``; ``total_bytes`` is None when the server does not say."""

CHUNK_SIZE = 1 << 16
LOCAL_FILES_HINT = ("to work offline, put the files in a folder and pass --data-dir DIR "
                    "or set DIGITNET_DATA_DIR")
DATA_EXTRA_HINT = "needs pooch: pip install 'digitnet[data]'"


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


def can_download() -> bool:
    """True when pooch, which does the downloading (the ``data`` extra), can be imported."""
    try:
        import pooch  # noqa: F401
    except ImportError:
        return False
    return True


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
        DownloadError: pooch is not installed, or no mirror delivered a verified copy; the
            message lists every URL tried.
    """
    if not can_download():
        raise DownloadError(f"cannot download {file.remote_name}: downloading {DATA_EXTRA_HINT}; "
                            f"{LOCAL_FILES_HINT}")
    created = not dest_dir.exists()
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / file.remote_name
    failures: list[str] = []
    attempts = max(1, retries)
    for mirror in mirrors:
        url = f"{mirror.rstrip('/')}/{file.remote_name}"
        for attempt in range(attempts):
            try:
                _fetch_verified(url, file, target, timeout, progress)
                return target
            except _FatalError as exc:
                failures.append(f"{url} ({exc})")
                break
            except _RetryableError as exc:
                if attempt + 1 >= attempts:
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
    os.close(handle)
    temp = Path(temp_name)
    try:
        _fetch(url, temp, timeout, progress)
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


class _ForwardProgress:
    """The progress-bar object pooch drives, reporting to ``progress(done, total)`` instead.

    pooch sets ``total`` (0 when the server does not say), calls ``update(chunk_size)`` per chunk
    and, at the end, ``reset()`` then ``update(total)`` to fill its bar; here the count only grows
    and never passes the total, so the callback sees 0, ..., total.
    """

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.done = 0
        self.known_total: int | None = None

    @property
    def total(self) -> int:
        return self.known_total or 0

    @total.setter
    def total(self, value: int) -> None:
        self.known_total = value or None
        self.done = 0
        if self.progress is not None:
            self.progress(0, self.known_total)

    def update(self, size: int) -> None:
        done = self.done + size
        if self.known_total is not None:
            done = min(done, self.known_total)
        if done > self.done:
            self.done = done
            if self.progress is not None:
                self.progress(done, self.known_total)

    def reset(self) -> None:
        """pooch's bar goes back to 0 only to be refilled at once; the count stays."""

    def close(self) -> None:
        """Nothing to close: the caller owns whatever displays the progress."""


def _fetch(url: str, temp: Path, timeout: float, progress: Progress | None) -> None:
    """Stream the body of ``url`` into ``temp`` with pooch, sorting its failures into ours."""
    import pooch
    import requests

    forward = _ForwardProgress(progress)
    downloader = pooch.HTTPDownloader(progressbar=forward, chunk_size=CHUNK_SIZE,
                                      timeout=timeout, headers={"Accept-Encoding": "identity"})
    try:
        downloader(url, str(temp), None)
    except requests.HTTPError as exc:  # raise_for_status: the response is there
        code, reason = (0, str(exc)) if exc.response is None else (exc.response.status_code,
                                                                    exc.response.reason)
        if 500 <= code < 600:
            raise _RetryableError(f"HTTP {code} {reason}") from None
        raise _FatalError(f"HTTP {code} {reason}") from None
    except requests.RequestException as exc:
        raise _network_failure(exc, temp.stat().st_size, forward.known_total) from None
    except OSError as exc:  # writing the temporary file failed
        raise _RetryableError(exc.strerror or _first_line(exc)) from None


def _network_failure(exc: Exception, saved: int, total: int | None) -> Exception:
    """Sort a failed transfer: no server or no network (next mirror) or one that may pass."""
    import requests

    causes = list(_causes(exc))
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return _FatalError("connection refused")  # no server there
    for cause in causes:
        if isinstance(cause, socket.gaierror):  # offline, or no such host
            return _FatalError(cause.strerror or "unknown host")
    if any(isinstance(cause, (TimeoutError, requests.Timeout)) for cause in causes):
        return _RetryableError("timed out")
    if total is not None:  # the body had begun
        return _RetryableError(f"connection dropped after {saved} of {total} bytes")
    return _RetryableError(_first_line(causes[-1]))


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception beneath it (causes, contexts, wrapped reasons), outer first.

    requests wraps urllib3's errors, which wrap the socket's: the refused connection or the failed
    name look-up that tells "no server" from "try again" sits a few levels down.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = [current.__cause__, current.__context__, getattr(current, "reason", None),
                 *current.args]
        pending += [item for item in inner if isinstance(item, BaseException)]


def _first_line(exc: BaseException) -> str:
    """A short text for a network failure: the first line of its message, or its type."""
    lines = str(exc).splitlines()
    return lines[0] if lines else type(exc).__name__


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
