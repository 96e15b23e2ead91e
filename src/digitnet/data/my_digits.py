"""Your own handwriting: a folder of digit pictures with their true labels, the ``my-digits`` set.

A folder holds PNG files and ``labels.csv``::

    file,label
    digit-00001.png,7
    digit-00002.png,3

The page saves into it (``POST /api/my-digits``; the folder is ``digitnet serve --my-digits
DIR``, else ``$XDG_DATA_HOME/digitnet/my-digits``, normally ``~/.local/share/digitnet/my-digits``),
and ``load_dataset("my-digits", data_dir=DIR)`` reads it back, every picture prepared the MNIST
way by :func:`~digitnet.data.prepare_digit`. Every write is atomic (a temporary file in the
folder, then ``os.replace``): the picture first, then the labels, so a crash never leaves a
label without its picture. A folder holds at most ``MAX_DIGITS`` pictures of at most
``MAX_PICTURE_BYTES`` each.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from digitnet.data.dataset import Dataset
from digitnet.data.preprocess import load_image, prepare_digit
from digitnet.errors import ConfigError, DataError, ImageError
from digitnet.extras import require

NAME = "my-digits"
LABELS = "labels.csv"
MAX_DIGITS = 10_000
MAX_PICTURE_BYTES = 2 * 1024 * 1024
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.(png|jpg|jpeg)$")


def default_folder() -> Path:
    """``$XDG_DATA_HOME/digitnet/my-digits``, or ``~/.local/share/digitnet/my-digits``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "digitnet" / NAME


def read_labels(folder: Path) -> list[tuple[str, int]]:
    """The (file, label) rows of ``folder/labels.csv``, checked; [] when there is no file yet.

    Raises DataError naming the file and line of the first problem: a missing header, a file
    name that is not a plain picture name, a label outside 0..9, a name listed twice.
    """
    path = folder / LABELS
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: cannot read the labels ({error})") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [cell.strip() for cell in rows[0]] != ["file", "label"]:
        raise DataError(f"{path}: the first line must be 'file,label'")
    entries: list[tuple[str, int]] = []
    seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != 2:
            raise DataError(f"{path}, line {number}: expected 'file,label', got "
                            f"{len(row)} fields")
        name, label = row[0].strip(), row[1].strip()
        if not SAFE_NAME.match(name) or name in seen:
            raise DataError(f"{path}, line {number}: {name[:60]!r} is not a picture name of "
                            "this folder (or is listed twice)")
        if label not in {str(d) for d in range(10)}:
            raise DataError(f"{path}, line {number}: the label must be a digit 0..9, got "
                            f"{label[:20]!r}")
        seen.add(name)
        entries.append((name, int(label)))
    return entries


def load_my_digits(folder: str | Path | None = None) -> Dataset:
    """The pictures of a my-digits folder, prepared, as a Dataset (default: the user's folder).

    Every picture is both a training and a test image: keep a second folder to measure a
    network on digits it did not learn from.
    """
    folder = Path(folder) if folder is not None else default_folder()
    entries = read_labels(folder)
    if not entries:
        raise DataError(f"{folder}: no saved digits (no {LABELS} listing any): draw digits on "
                        "the page and save them with 'Save as my digit'")
    vectors = []
    for name, _ in entries:
        try:
            vectors.append(prepare_digit(load_image(folder / name)).vector)  # (784,)
        except ImageError as error:
            raise DataError(f"{folder / name}: {error}") from None
    x = np.stack(vectors).astype(np.float32)  # (m, 784)
    y = np.array([label for _, label in entries], np.int64)  # (m,)
    description = f"my digits, {len(y):,} pictures from {folder}"
    return Dataset(NAME, description, str(folder), x, y, x, y)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass
class MyDigits:
    """A my-digits folder that pictures are saved into, one save at a time (``lock``)."""

    folder: Path
    max_digits: int = MAX_DIGITS
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def counts(self) -> list[int]:
        """How many pictures of each digit 0..9 the folder holds."""
        labels = [label for _, label in read_labels(self.folder)]
        return [int(n) for n in np.bincount(np.array(labels, np.int64), minlength=10)]

    def save(self, picture: bytes, label: int) -> tuple[str, int]:
        """Save ``picture`` (a PNG, JPEG, ... of one digit) as ``label``: (its file, the count).

        The picture is checked first (it must be readable and hold one digit: ImageError) and
        stored as a grayscale PNG (at most 1,024 pixels a side, as prepare_digit reads it).
        Raises ConfigError for a label outside 0..9, DataError when the folder is full or the
        picture too large.
        """
        if not 0 <= label <= 9:
            raise ConfigError(f"label: a digit 0..9, not {label}")
        if len(picture) > MAX_PICTURE_BYTES:
            raise DataError(f"the picture is too large: {len(picture):,} bytes (limit "
                            f"{MAX_PICTURE_BYTES:,})")
        require("PIL", "images", "saving your digits")
        from PIL import Image

        # Read and prepared now: one clear error rather than a bad file in the set later.
        gray = prepare_digit(load_image(picture)).grayscale  # (h, w) in [0, 1]
        encoded = io.BytesIO()
        Image.fromarray(np.round(gray * 255).astype(np.uint8)).save(encoded, format="PNG")
        with self.lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            entries = read_labels(self.folder)
            if len(entries) >= self.max_digits:
                raise DataError(f"{self.folder} is full: it holds {len(entries):,} digits "
                                f"(limit {self.max_digits:,})")
            taken = {name for name, _ in entries}
            number = len(entries) + 1
            while f"digit-{number:05d}.png" in taken or (
                    self.folder / f"digit-{number:05d}.png").exists():
                number += 1
            name = f"digit-{number:05d}.png"
            write_atomically(self.folder / name, encoded.getvalue())
            rows = [("file", "label"), *entries, (name, label)]
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows(rows)
            write_atomically(self.folder / LABELS, text.getvalue().encode("utf-8"))
        return name, len(entries) + 1
