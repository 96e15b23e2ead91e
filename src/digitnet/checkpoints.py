"""Checkpoints: a training run saved as it goes, so that it can be continued exactly.

A checkpoint is the network's parameters plus its :class:`~digitnet.training_state.TrainingState`
(the random generator mid-stream, the optimiser's memory, the position in the epoch and its
shuffled order, the history so far), the configuration, and the recipe of the command that
started it. Continuing from it gives, bit for bit, the weights of a run never stopped. Like a
model file it is one ``.npz`` of plain arrays plus JSON, never a pickle, validated field by
field, written atomically (a run killed while saving keeps its previous checkpoint)::

    weights_0, biases_0, ...   the network                  fallback_0, ...  DivergenceGuard's
    order                      the epoch's shuffled order   best_0, ...      EarlyStopping's
    costs                      its mini-batch costs so far  batch_costs      the finished epochs'
    optimizer_m_0, ...         the optimiser's arrays       metadata         JSON: the rest

The JSON: the configuration, the recipe, the generator's ``bit_generator.state``, the position
(epoch, mini-batch), the optimiser's step count t, the initial weight norms, early stopping's
best epoch, the epoch records, and once the run has ended, where its model was saved.
"""

from __future__ import annotations

import dataclasses
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .activations import Array
from .config import TrainingConfig
from .errors import CheckpointError, DigitnetError, first_line
from .history import History
from .model_card import epoch_record, finite, stop_reason
from .model_io import write_atomically
from .network import Network
from .training_state import TrainingState
from .version import __version__

FILE_NAME = "checkpoint.npz"
FORMAT, FORMAT_VERSION = "digitnet-checkpoint", 1
# What each optimiser remembers between steps: lists of arrays, one per parameter, and counters.
# Its other fields are settings (taken from the configuration) or a scratch buffer.
OPTIMIZER_MEMORY: dict[str, tuple[str, ...]] = {
    "sgd": (), "momentum": ("velocities",), "nesterov": ("velocities",), "adam": ("m", "v")}
OPTIMIZER_COUNTERS: dict[str, tuple[str, ...]] = {"momentum": ("t",), "nesterov": ("t",),
                                                 "adam": ("t",)}


@dataclass
class Checkpoint:
    """A run in progress: its network and state (live objects: saving again saves the latest),
    its configuration, the command line's ``recipe`` (plain JSON values: preset, data, model
    path, ...), a record of the training ``data`` to check on resuming, and ``finished``: where
    the model was saved once the run has ended."""

    network: Network
    state: TrainingState
    config: TrainingConfig
    recipe: Mapping[str, Any]
    data: Mapping[str, Any]
    finished: str | None = None


def checkpoint_file(folder: str | Path) -> Path:
    return Path(folder) / FILE_NAME


def save_checkpoint(folder: str | Path, checkpoint: Checkpoint) -> Path:
    """Write ``checkpoint`` to FOLDER/checkpoint.npz atomically; returns the file's path."""
    state, path = checkpoint.state, checkpoint_file(folder)
    arrays: dict[str, Any] = {f"{kind}_{layer}": array for layer, (w, b) in enumerate(
        zip(checkpoint.network.weights, checkpoint.network.biases, strict=True))
        for kind, array in (("weights", w), ("biases", b))}
    name = checkpoint.config.optimizer
    for memory in OPTIMIZER_MEMORY[name]:
        arrays.update(numbered(f"optimizer_{memory}", getattr(state.optimizer, memory)))
    arrays.update(numbered("fallback", state.guard.saved))
    best = state.early.best
    if best is not None:
        arrays.update(numbered("best", best[2]))
    if state.order is not None:
        arrays["order"] = state.order
    arrays["costs"] = state.costs[:state.batch]
    finished_epochs = state.history.batch_costs[:state.epoch]  # one row per epoch
    arrays["batch_costs"] = np.array(finished_epochs) if finished_epochs else np.empty((0, 0))
    history = state.history
    metadata = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "digitnet_version": __version__,
        "config": checkpoint.config.to_dict(), "recipe": dict(checkpoint.recipe),
        "data": dict(checkpoint.data), "finished": checkpoint.finished,
        "position": {"epoch": state.epoch, "batch": state.batch},
        "rng": state.rng.bit_generator.state,
        "optimizer": {c: getattr(state.optimizer, c) for c in OPTIMIZER_COUNTERS.get(name, ())},
        "initial_norms": list(state.initial_norms),
        "best": None if best is None else {"accuracy": best[0], "epoch": best[1]},
        "history": {"epochs": [dataclasses.asdict(e) for e in history.epochs[:state.epoch]],
                    "stop_reason": history.stop_reason.value, "message": history.message},
    }
    arrays["metadata"] = np.array(json.dumps(finite(metadata), allow_nan=False))
    write_atomically(path, arrays)
    return path


def numbered(prefix: str, arrays: list[Array]) -> dict[str, Array]:
    return {f"{prefix}_{i}": array for i, array in enumerate(arrays)}


def load_checkpoint(folder: str | Path) -> Checkpoint:
    """Read and validate FOLDER/checkpoint.npz; any problem raises CheckpointError naming it."""
    path = checkpoint_file(folder)
    if not path.is_file():
        raise CheckpointError(f"{folder}: no checkpoint there ({FILE_NAME} is missing)")
    try:
        with path.open("rb") as stream:
            if stream.read(4) != b"PK\x03\x04":  # every .npz file is a zip archive
                raise CheckpointError("not a digitnet checkpoint (not an .npz archive)")
        with np.load(path, allow_pickle=False) as archive:
            contents = {name: archive[name] for name in archive.files}
        return checkpoint_from(contents)
    except DigitnetError as error:
        raise CheckpointError(f"{path}: {error}") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as error:
        raise CheckpointError(f"{path}: not a readable checkpoint ({first_line(error)})") from None


def checkpoint_from(contents: dict[str, Any]) -> Checkpoint:
    """Validate what a checkpoint file holds and rebuild the run from it."""
    values = metadata_of(contents)
    try:
        config = TrainingConfig.from_dict(field(values, "config", dict))
    except DigitnetError as error:
        raise CheckpointError(f"its configuration is not valid: {error}") from None
    network = network_from(contents, config)
    parameters = network.parameters()
    state = TrainingState.start(network, config)
    state.rng = generator(values.get("rng"))
    restore_optimizer(state, contents, field(values, "optimizer", dict), config.optimizer)
    for saved, array in zip(state.guard.saved, arrays_like(contents, "fallback", parameters),
                            strict=True):
        saved[...] = array
    best = values.get("best")
    if best is not None:
        state.early.best = (float(field(best, "accuracy", float)), field(best, "epoch", int),
                            arrays_like(contents, "best", parameters))
    state.initial_norms = tuple(field(values, "initial_norms", list))
    if len(state.initial_norms) != len(network.weights) or not all(
            isinstance(x, float) for x in state.initial_norms):
        raise CheckpointError(f"the metadata's initial_norms must be {len(network.weights)} "
                              "numbers")
    state.history = history_from(field(values, "history", dict), contents)
    restore_position(state, field(values, "position", dict), contents, config)
    finished = values.get("finished")
    if finished is not None and not isinstance(finished, str):
        raise CheckpointError(f"the metadata's finished must be a path, got {finished!r}"[:200])
    return Checkpoint(network, state, config, field(values, "recipe", dict),
                      field(values, "data", dict), finished)


def metadata_of(contents: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint's JSON, checked to be ours and of a version this digitnet reads."""
    damaged = sorted(name for name, value in contents.items() if not isinstance(value, np.ndarray))
    if damaged:
        raise CheckpointError(f"member {damaged[0]} is not a NumPy array (damaged file)")
    metadata = contents.get("metadata")
    if metadata is None or metadata.dtype.kind != "U" or metadata.ndim != 0:
        raise CheckpointError("not a digitnet checkpoint (no metadata)")
    try:
        values = json.loads(str(metadata))
    except json.JSONDecodeError as error:
        raise CheckpointError(f"the metadata is not valid JSON ({error.msg})") from None
    if not isinstance(values, dict) or values.get("format") != FORMAT:
        raise CheckpointError("not a digitnet checkpoint (a model file, or something else)")
    if values.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"unsupported checkpoint version {values.get('format_version')!r}")
    return values


def field(values: Any, key: str, kind: type) -> Any:
    """``values[key]``, which must be a ``kind`` (an int counts as a float, a bool as neither)."""
    value = values.get(key) if isinstance(values, Mapping) else None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, kind):
        raise CheckpointError(f"the metadata's {key} must be {kind.__name__}, "
                              f"got {value!r}"[:200])
    return value


def array(contents: dict[str, Any], name: str, shape: tuple[int, ...], kinds: str
          ) -> np.ndarray[Any, Any]:
    """Member ``name``: of ``shape``, of a dtype kind in ``kinds`` ("f", "i"), finite."""
    if name not in contents:
        raise CheckpointError(f"array {name} is missing")
    value: np.ndarray[Any, Any] = contents[name]
    if value.shape != shape or value.dtype.kind not in kinds:
        raise CheckpointError(f"array {name} is {value.dtype} {value.shape}, expected "
                              f"{shape} of {'numbers' if 'f' in kinds else 'whole numbers'}")
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        raise CheckpointError(f"array {name} contains NaN or infinite values")
    return value


def network_from(contents: dict[str, Any], config: TrainingConfig) -> Network:
    """The network the configuration describes, with the parameters the file holds."""
    weights, biases = [], []
    for layer, (n_in, n_out) in enumerate(zip(config.layers, config.layers[1:], strict=False)):
        weights.append(array(contents, f"weights_{layer}", (n_out, n_in), "f"))
        biases.append(array(contents, f"biases_{layer}", (n_out,), "f"))
    network = Network.from_arrays(weights, biases, config.activation, config.output_activation,
                                  config.cost)
    if np.dtype(network.dtype).name != config.dtype:
        raise CheckpointError(f"the parameters are {np.dtype(network.dtype).name}, the "
                              f"configuration says {config.dtype}")
    return network


def arrays_like(contents: dict[str, Any], prefix: str, parameters: list[Array]) -> list[Array]:
    """Members PREFIX_0, PREFIX_1, ...: one per parameter, each of its shape and dtype."""
    found = [array(contents, f"{prefix}_{i}", p.shape, "f") for i, p in enumerate(parameters)]
    if any(np.abs(a).max(initial=0) > np.finfo(p.dtype).max
           for a, p in zip(found, parameters, strict=True)):
        raise CheckpointError(f"arrays {prefix}_* hold values too large for {parameters[0].dtype}")
    return [a.astype(p.dtype, copy=False) for a, p in zip(found, parameters, strict=True)]


def restore_optimizer(state: TrainingState, contents: dict[str, Any],
                      counters: dict[str, Any], name: str) -> None:
    """Give the fresh optimiser of ``state`` the memory the file holds (none before a step)."""
    parameters, memories = state.guard.parameters, OPTIMIZER_MEMORY[name]
    present = [memory for memory in memories if f"optimizer_{memory}_0" in contents]
    if present and len(present) < len(memories):  # all of them once a step is taken
        missing = next(memory for memory in memories if memory not in present)
        raise CheckpointError(f"the optimiser's memory is incomplete: {name} has "
                              f"{present[0]} but not {missing}")
    for memory in present:
        setattr(state.optimizer, memory, arrays_like(contents, f"optimizer_{memory}",
                                                     parameters))
    for counter in OPTIMIZER_COUNTERS.get(name, ()):
        value = field(counters, counter, int)
        if value < 0:
            raise CheckpointError(f"the optimiser's {counter} must be >= 0, got {value}")
        setattr(state.optimizer, counter, value)


def generator(values: Any) -> np.random.Generator:
    """A generator in the saved state (``Generator.bit_generator.state``, a JSON object)."""
    rng = np.random.default_rng()
    try:
        rng.bit_generator.state = values
    except (TypeError, ValueError, KeyError, OverflowError) as error:
        raise CheckpointError("the random generator's state is not valid "
                              f"({first_line(error)})") from None
    return rng


def history_from(values: dict[str, Any], contents: dict[str, Any]) -> History:
    """The history of the finished epochs: their records and their mini-batch costs."""
    epochs = [epoch_record(e) for e in field(values, "epochs", list)]
    batch_costs = contents.get("batch_costs")
    if (batch_costs is None or batch_costs.ndim != 2 or batch_costs.dtype.kind != "f"
            or batch_costs.shape[0] != len(epochs)):
        raise CheckpointError(f"array batch_costs must hold one row per finished epoch "
                              f"({len(epochs)})")
    reason = stop_reason(values.get("stop_reason"))
    history = History(epochs, list(batch_costs))
    if reason is not None:
        history.stop(reason, field(values, "message", str))
    return history


def restore_position(state: TrainingState, values: dict[str, Any], contents: dict[str, Any],
                     config: TrainingConfig) -> None:
    """The epoch under way, its mini-batches done, its shuffled order and their costs."""
    state.epoch, state.batch = field(values, "epoch", int), field(values, "batch", int)
    if not 0 <= state.epoch <= config.epochs or state.batch < 0:
        raise CheckpointError(f"the position (epoch {state.epoch}, mini-batch {state.batch}) is "
                              f"outside the run's {config.epochs} epochs")
    if len(state.history.epochs) != state.epoch:
        raise CheckpointError(f"the history has {len(state.history.epochs)} epochs, the "
                              f"position says {state.epoch}")
    order = contents.get("order")
    if order is not None:
        order = array(contents, "order", (order.size,), "iu")
        if not np.array_equal(np.sort(order), np.arange(order.size)):
            raise CheckpointError("array order is not a shuffled order of the examples")
        state.order = order.astype(np.intp)
    elif state.batch:
        raise CheckpointError("array order is missing (the run stopped within an epoch)")
    costs = array(contents, "costs", (state.batch,), "f")
    num_batches = -(-order.size // config.mini_batch_size) if order is not None else 0
    if state.batch > num_batches:
        raise CheckpointError(f"the position (mini-batch {state.batch}) is past the epoch's "
                              f"{num_batches} mini-batches")
    state.costs = np.empty(num_batches)
    state.costs[:state.batch] = costs
