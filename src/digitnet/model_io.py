"""Model files: the parameters as plain arrays plus JSON metadata, in one ``.npz`` file.

Why not pickle: loading a pickle runs whatever code the file says, so a model file from
somewhere else could do anything. An ``.npz`` file is a zip of ``.npy`` arrays; it is loaded
with ``allow_pickle=False``, so only numbers (and one JSON string) ever come out of it.

Layout::

    weights_0, biases_0, weights_1, ...   float32 or float64 arrays
    metadata                              a JSON string: format, architecture, training
                                          configuration, dataset, results, version, date

Loading validates everything and names what is wrong; saving writes a temporary file beside
the target and renames it into place, so an existing model is never half-overwritten.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .activations import Array
from .errors import DigitnetError, ModelFileError
from .network import Network

FORMAT = "digitnet-model"
FORMAT_VERSION = 1


@dataclass
class Model:
    """A network together with what its file says about it (architecture, training, results)."""

    network: Network
    metadata: dict[str, Any]

    def training_data(self, data_dir: Path | None = None) -> tuple[str | None, Path | None]:
        """The dataset this model learned from, as (name for load_dataset, folder of its files).

        The metadata records ``{"name": ..., "source": ...}``; ``mnist-sample`` (the offline
        fallback of ``default``) is loaded as ``default``. An explicit ``data_dir`` wins over the
        recorded folder. The name is None when the file does not say.
        """
        recorded = self.metadata.get("dataset")
        if isinstance(recorded, str):
            recorded = {"name": recorded}
        if not isinstance(recorded, dict) or not isinstance(recorded.get("name"), str):
            return None, data_dir
        name = recorded["name"]
        source = Path(str(recorded.get("source", "")))
        if data_dir is None and recorded.get("source") and source.is_dir():
            data_dir = source
        return (name if name in ("mnist", "fashion-mnist") else "default"), data_dir

    @property
    def test_accuracy(self) -> float | None:
        value = self.metadata.get("results", {}).get("test_accuracy")
        return float(value) if isinstance(value, int | float) else None


def save_model(path: str | Path, network: Network, metadata: dict[str, Any] | None = None) -> Path:
    """Write ``network`` and ``metadata`` to ``path`` atomically; returns the path written.

    The architecture, the digitnet version and the date are added to the metadata.
    """
    from . import __version__

    path = Path(path)
    info = dict(metadata or {})
    info.update(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        digitnet_version=__version__,
        saved=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        architecture={
            "layers": network.sizes,
            "activation": network.activation.name,
            "output_activation": network.output_activation.name,
            "cost": network.cost.name,
            "dtype": np.dtype(network.dtype).name,
            "num_parameters": network.num_parameters,
        },
    )
    try:
        text = json.dumps(info, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: metadata cannot be written as JSON: {error}") from None
    arrays: dict[str, Any] = {"metadata": np.array(text)}
    for layer, (w, b) in enumerate(zip(network.weights, network.biases, strict=True)):
        arrays[f"weights_{layer}"] = w
        arrays[f"biases_{layer}"] = b
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **arrays)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~current_umask())  # mkstemp makes it private (0600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


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
        with np.load(path, allow_pickle=False) as archive:
            contents = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as error:
        raise ModelFileError(f"{path}: not a readable digitnet model file ({error})") from None
    damaged = sorted(name for name, value in contents.items() if not isinstance(value, np.ndarray))
    if damaged:
        raise ModelFileError(f"{path}: member {damaged[0]} is not a NumPy array (damaged file)")
    try:
        return model_from_contents(contents)
    except DigitnetError as error:
        raise ModelFileError(f"{path}: {error}") from None


def model_from_contents(contents: dict[str, np.ndarray[Any, Any]]) -> Model:
    """Validate the arrays and metadata read from a model file and build the network."""
    if "metadata" not in contents or contents["metadata"].dtype.kind != "U":
        raise ModelFileError("no metadata in the file")
    try:
        metadata = json.loads(str(contents["metadata"]))
    except json.JSONDecodeError as error:
        raise ModelFileError(f"the metadata is not valid JSON ({error.msg})") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ModelFileError("the metadata does not describe a digitnet model")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"unsupported format version {metadata.get('format_version')!r}")
    arch = metadata.get("architecture")
    if not isinstance(arch, dict):
        raise ModelFileError("the metadata has no architecture")
    layers = arch.get("layers")
    if not isinstance(layers, list) or len(layers) < 2:
        raise ModelFileError(f"the architecture's layers are invalid: {layers!r}")
    weights: list[Array] = []
    biases: list[Array] = []
    for layer in range(len(layers) - 1):
        for kind, bucket in (("weights", weights), ("biases", biases)):
            name = f"{kind}_{layer}"
            if name not in contents:
                raise ModelFileError(f"array {name} is missing")
            array = contents[name]
            if array.dtype not in (np.float32, np.float64):
                raise ModelFileError(f"array {name} has dtype {array.dtype}, expected float32/64")
            if not np.isfinite(array).all():
                raise ModelFileError(f"array {name} contains NaN or infinite values")
            bucket.append(array)
    extra = set(contents) - {"metadata"} - {f"{k}_{i}" for k in ("weights", "biases")
                                             for i in range(len(layers) - 1)}
    if extra:
        raise ModelFileError(f"unexpected arrays in the file: {', '.join(sorted(extra))}")
    network = Network.from_arrays(
        weights, biases, str(arch.get("activation")), str(arch.get("output_activation")),
        str(arch.get("cost")),
    )
    if network.sizes != layers:
        raise ModelFileError(f"the arrays give layers {network.sizes}, the metadata says {layers}")
    return Model(network, metadata)
