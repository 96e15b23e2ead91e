"""Model files: the parameters as plain arrays plus JSON metadata, in one ``.npz`` file.

Why not pickle: loading a pickle runs whatever code the file says, so a model file from
somewhere else could do anything. An ``.npz`` file is a zip of ``.npy`` arrays; it is loaded
with ``allow_pickle=False``, so only numbers (and one JSON string) ever come out of it.

Layout::

    weights_0, biases_0, weights_1, ...   float32 or float64 arrays
    metadata                              a JSON string: the model card (architecture, training
                                          configuration, dataset, results, version, date)

Loading validates everything and names what is wrong; saving writes a temporary file beside
the target and renames it into place, so an existing model is never half-overwritten.
"""

from __future__ import annotations

import lzma
import os
import struct
import tempfile
import tokenize
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .activations import Array
from .errors import DigitnetError, ModelFileError, first_line
from .model_card import ModelCard
from .network import Network

MAX_BYTES = 1 << 30  # unpacked; a 784-1024-1024-10 float64 network is 15 MB
# What reading a damaged archive can raise, from zipfile, its decompressors and NumPy's .npy
# reader (a header is a Python literal; a lying one can ask for more memory than there is).
READ_ERRORS = (OSError, EOFError, ValueError, KeyError, TypeError, SyntaxError, RuntimeError,
               NotImplementedError, OverflowError, MemoryError, struct.error, zlib.error,
               lzma.LZMAError, tokenize.TokenError, zipfile.BadZipFile)


@dataclass
class Model:
    """A network together with its model card (architecture, training, results)."""

    network: Network
    card: ModelCard

    def training_data(self, data_dir: Path | None = None) -> tuple[str | None, Path | None]:
        """The dataset this model learned from, as (name for load_dataset, folder of its files).

        ``mnist-sample`` (the offline fallback of ``default``) is loaded as ``default``. An
        explicit ``data_dir`` wins over the recorded folder. The name is None when the card
        does not say.
        """
        dataset = self.card.dataset
        if dataset is None:
            return None, data_dir
        if data_dir is None and dataset.source and Path(dataset.source).is_dir():
            data_dir = Path(dataset.source)
        name = dataset.name if dataset.name in ("mnist", "fashion-mnist") else "default"
        return name, data_dir

    @property
    def test_accuracy(self) -> float | None:
        return self.card.results.test_accuracy if self.card.results else None


def save_model(path: str | Path, network: Network, card: ModelCard | None = None) -> Path:
    """Write ``network`` and its ``card`` to ``path`` atomically; returns the path written.

    Without a card, the file records only the architecture. The card is stamped with the
    digitnet version and the date.
    """
    path = Path(path)
    card = card or ModelCard(network.architecture)
    if card.architecture != network.architecture:
        raise ModelFileError(f"{path}: the model card describes {card.architecture}, not the "
                             f"network's {network.architecture}")
    try:
        text = card.stamped().to_json()
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from None
    arrays: dict[str, Any] = {"metadata": np.array(text)}
    for layer, (w, b) in enumerate(zip(network.weights, network.biases, strict=True)):
        arrays[f"weights_{layer}"] = w
        arrays[f"biases_{layer}"] = b
    write_atomically(path, arrays)
    return path


def write_atomically(path: Path, arrays: dict[str, Any]) -> None:
    """``np.savez`` the arrays into ``path`` atomically (see :func:`write_file_atomically`)."""
    write_file_atomically(path, lambda stream: np.savez(stream, **arrays))


def remove_leftovers(path: Path) -> list[Path]:
    """Delete the temporary files that writes of ``path`` cut short (by a kill) left beside it
    (see :func:`write_file_atomically`); returns them."""
    leftovers = sorted(path.parent.glob(f".{path.name}.*.tmp"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    return leftovers


def write_file_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """``write(stream)`` into a temporary file beside ``path``, then rename it into place.

    The file's bytes are flushed to disk (fsync) before the rename, and the folder's entry
    after it, so a crash leaves the old file or the new one, never a mixture. When writing
    fails (a full disk, a read-only folder), the temporary file is removed, the file at ``path``
    is left as it was, and the OSError names ``path``.
    """
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=path.parent)
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~current_umask())  # mkstemp makes it private (0600)
        os.replace(temporary, path)
        sync_folder(path.parent)
    except BaseException as error:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno is not None:
            raise OSError(error.errno, error.strerror or str(error), str(path)) from error
        raise


def sync_folder(folder: Path) -> None:
    """fsync a folder, so that a rename into it survives a crash (not possible on Windows)."""
    if os.name == "nt":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def current_umask() -> int:
    """The process's file-creation mask (reading it means setting it, so set it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def load_model(path: str | Path) -> Model:
    """Read and validate a model file; any problem raises ModelFileError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    with path.open("rb") as stream:
        if stream.read(4) != b"PK\x03\x04":  # every .npz file is a zip archive
            raise ModelFileError(f"{path}: not a digitnet model file (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as archive, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NumPy's notes on old headers: validated below
            unpacked = sum(info.file_size for info in archive.zip.infolist())
            if unpacked > MAX_BYTES:
                raise ModelFileError(f"{path}: the archive unpacks to {unpacked:,} bytes, more "
                                     f"than the {MAX_BYTES:,} a model file may hold")
            contents = {name: archive[name] for name in archive.files}
    except READ_ERRORS as error:
        raise ModelFileError(f"{path}: not a readable digitnet model file "
                             f"({first_line(error)})") from None
    damaged = sorted(name for name, value in contents.items() if not isinstance(value, np.ndarray))
    if damaged:
        raise ModelFileError(f"{path}: member {damaged[0]} is not a NumPy array (damaged file)")
    try:
        return model_from_contents(contents)
    except DigitnetError as error:
        raise ModelFileError(f"{path}: {error}") from None


def model_from_contents(contents: dict[str, np.ndarray[Any, Any]]) -> Model:
    """Validate the arrays and the model card read from a model file and build the network."""
    if "metadata" not in contents or contents["metadata"].dtype.kind != "U":
        raise ModelFileError("no metadata in the file")
    card = ModelCard.from_json(str(contents["metadata"]))
    layers = card.architecture.layers
    weights: list[Array] = []
    biases: list[Array] = []
    for layer in range(len(layers) - 1):
        for kind, bucket, ndim in (("weights", weights, 2), ("biases", biases, 1)):
            name = f"{kind}_{layer}"
            if name not in contents:
                raise ModelFileError(f"array {name} is missing")
            array = contents[name]
            if array.ndim != ndim:
                raise ModelFileError(f"array {name} has shape {array.shape}, expected "
                                     f"{ndim} dimension{'s' if ndim > 1 else ''}")
            if array.dtype not in (np.float32, np.float64):
                raise ModelFileError(f"array {name} has dtype {array.dtype}, expected float32/64")
            if not np.isfinite(array).all():
                raise ModelFileError(f"array {name} contains NaN or infinite values")
            bucket.append(array)
    extra = set(contents) - {"metadata"} - {f"{k}_{i}" for k in ("weights", "biases")
                                             for i in range(len(layers) - 1)}
    if extra:
        raise ModelFileError(f"unexpected arrays in the file: {', '.join(sorted(extra))}")
    arch = card.architecture
    network = Network.from_arrays(weights, biases, arch.activation, arch.output_activation,
                                  arch.cost)
    if tuple(network.sizes) != layers:
        raise ModelFileError(f"the arrays give layers {network.sizes}, the card says "
                             f"{list(layers)}")
    if np.dtype(network.dtype).name != arch.dtype:
        raise ModelFileError(f"the arrays are {np.dtype(network.dtype).name}, the card says "
                             f"{arch.dtype}")
    return Model(network, card)
