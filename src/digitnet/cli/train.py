"""``digitnet train``: options onto a TrainingConfig, a progress bar, Ctrl-C that still saves.

The training loop itself (:func:`digitnet.training.train`) never prints; this module shows its
progress through the callback, which is also how Ctrl-C asks it to stop after the current
mini-batch. The SIGINT handler is installed only while the loop runs and restored afterwards.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from ..activations import ACTIVATIONS
from ..config import TrainingConfig
from ..costs import COSTS
from ..errors import ConfigError
from ..initializers import INITIALIZERS
from ..optimizers import OPTIMIZERS
from ..presets import PRESETS
from ..registry import lookup
from ..schedules import SCHEDULES
from ..training import History, Progress
from . import ExitCode, add_data_options, fail

IMAGE_PIXELS = 28 * 28
NUM_CLASSES = 10


def names(registry: Any) -> str:
    return ", ".join(sorted(registry))


# (flag, TrainingConfig field, type, help): each flag overrides one field of the preset.
TRAINING_OPTIONS: list[tuple[str, str, Any, str]] = [
    ("--layers", "layers", str,
     "the size of every layer, input first, separated by commas, e.g. 784,16,16,10: 784 "
     "inputs (one per pixel), hidden layers of 16 neurons, 10 outputs (one per digit)"),
    ("--activation", "activation", str,
     f"what each hidden neuron computes from its weighted input z ({names(ACTIVATIONS)})"),
    ("--output-activation", "output_activation", str,
     "what the 10 output neurons compute: sigmoid (each on its own) or softmax (together, as "
     "probabilities that sum to 1)"),
    ("--cost", "cost", str,
     f"the cost that learning makes small, how wrong an output is ({names(COSTS)})"),
    ("--init", "init", str,
     f"how the weights are drawn at random before training ({names(INITIALIZERS)})"),
    ("--optimizer", "optimizer", str,
     f"how each gradient becomes a step ({names(OPTIMIZERS)}); sgd is plain gradient descent"),
    ("--lr", "learning_rate", float,
     "the learning rate eta: how big a step gradient descent takes"),
    ("--momentum", "momentum", float,
     "mu, how much of the previous step is kept (momentum and nesterov optimizers)"),
    ("--weight-decay", "weight_decay", float,
     "lambda of L2 regularisation: pulls every weight towards 0 to fight overfitting"),
    ("--schedule", "schedule", str,
     f"how the learning rate changes over the epochs ({names(SCHEDULES)})"),
    ("--dropout", "dropout", float,
     "the probability of switching off each hidden neuron during a training step"),
    ("--batch-size", "mini_batch_size", int,
     "m, the number of images averaged for one gradient step"),
    ("--epochs", "epochs", int, "how many times training goes through all training images"),
    ("--validation-size", "validation_size", int,
     "how many training images to hold out to watch for overfitting (the last ones)"),
    ("--early-stopping", "early_stopping", int,
     "stop after this many epochs without a better validation accuracy, keeping the best "
     "network (0: never; needs --validation-size)"),
    ("--dtype", "dtype", str, "the floating-point type of the numbers: float32 or float64"),
    ("--seed", "seed", int,
     "the seed of every random choice (weights, shuffling, dropout): same seed, same result"),
]


def add_train_options(parser: argparse.ArgumentParser) -> None:
    """The flags of ``digitnet train``."""
    parser.add_argument(
        "--preset", default="demo", metavar="NAME",
        help=f"the recipe to start from ({names(PRESETS)}); 3b1b is the network of the "
             "famous video, nielsen the book's first one, demo a quick one")
    for flag, dest, kind, text in TRAINING_OPTIONS:
        metavar = "SIZES" if dest == "layers" else {int: "N", float: "X", str: "NAME"}[kind]
        parser.add_argument(flag, dest=dest, type=kind, default=None, metavar=metavar, help=text)
    add_data_options(parser, dataset_default="default")
    parser.add_argument("--out", type=Path, metavar="PATH",
                        help="where to save the model (default: models/PRESET.npz)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar and no line per epoch, only the summary")


def parse_layers(text: str) -> tuple[int, ...]:
    """'784,16,10' -> (784, 16, 10); anything else raises ConfigError naming --layers."""
    try:
        layers = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ConfigError(f"--layers {text}: expected whole numbers separated by commas, "
                          "e.g. 784,16,16,10") from None
    if len(layers) < 2:
        raise ConfigError(f"--layers {text}: a network needs at least an input and an output "
                          "layer, e.g. 784,10")
    if min(layers) < 1:
        raise ConfigError(f"--layers {text}: every layer needs at least one neuron")
    return layers


def config_from_args(args: argparse.Namespace) -> TrainingConfig:
    """The preset with every given flag applied (validated by TrainingConfig)."""
    config = lookup(PRESETS, args.preset, "preset")
    changes: dict[str, Any] = {}
    for _, dest, _, _ in TRAINING_OPTIONS:
        value = getattr(args, dest)
        if value is not None:
            changes[dest] = parse_layers(value) if dest == "layers" else value
    config = config.replace(**changes)
    if config.early_stopping and not config.validation_size:
        raise ConfigError(f"--early-stopping {config.early_stopping} needs validation images: "
                          "add --validation-size N")
    return config


def check_layers_fit(layers: tuple[int, ...], inputs: int, classes: int, data: str) -> None:
    """The first layer must take every pixel, the last give one output per class."""
    shape = ",".join(map(str, layers))
    if layers[0] != inputs:
        raise ConfigError(f"--layers {shape}: the first layer must have {inputs} neurons, one "
                          f"per pixel of the {data} images, not {layers[0]}")
    if layers[-1] != classes:
        raise ConfigError(f"--layers {shape}: the last layer must have {classes} neurons, one "
                          f"per class of the {data} images, not {layers[-1]}")


def run_train(args: argparse.Namespace) -> ExitCode:
    config = config_from_args(args)
    out = args.out or Path("models") / f"{args.preset}.npz"
    return train_and_save(config, args.preset, args.dataset, args.data_dir, out, args.quiet)


@dataclass
class Display:
    """The training callback: a progress bar per epoch, a line per epoch, Ctrl-C requests."""

    epochs: int
    quiet: bool
    stop_requested: bool = False
    bar: Any = None
    cost_sum: float = 0.0
    costs: int = 0
    history_lines: list[str] = field(default_factory=list)

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        """SIGINT handler: the first Ctrl-C asks for a clean stop, a second one aborts."""
        if self.stop_requested:
            raise KeyboardInterrupt
        self.stop_requested = True

    def __call__(self, progress: Progress) -> bool:
        if progress.record is None:
            self.cost_sum += progress.batch_cost
            self.costs += 1
            if self.bar is None and not self.quiet:
                self.bar = progress_bar(progress.num_batches,
                                        f"epoch {progress.epoch + 1}/{self.epochs}", "batch")
            if self.bar is not None:
                self.bar.set_postfix_str(f"cost {self.cost_sum / self.costs:.4f}", refresh=False)
                self.bar.update(1)
        else:
            self.close_bar()
            self.cost_sum, self.costs = 0.0, 0
            if not self.quiet:
                print(epoch_line(progress.record, self.epochs), flush=True)
        return self.stop_requested

    def close_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def progress_bar(total: int | None, description: str, unit: str) -> Any:
    """A tqdm bar on stderr, or None when tqdm is not installed."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=description, unit=unit, file=sys.stderr, leave=False,
                dynamic_ncols=True, unit_scale=unit == "B")


def epoch_line(record: Any, epochs: int) -> str:
    width = len(str(epochs))
    parts = [f"epoch {record.epoch:{width}d}/{epochs}", f"train cost {record.train_cost:.4f}"]
    if record.validation_accuracy is not None:
        parts.append(f"validation {record.validation_accuracy:.2%}")
    if record.test_accuracy is not None:
        parts.append(f"test {record.test_accuracy:.2%}")
    parts.append(f"{record.seconds:.1f} s")
    return "  ".join(parts)


def load_data(name: str, data_dir: Path | None, validation_size: int, quiet: bool) -> Any:
    """load_dataset with a download bar (when one is needed and tqdm is there)."""
    from ..data import load_dataset

    bars: dict[str, Any] = {}

    def progress(done: int, total: int | None) -> None:
        if quiet:
            return
        if "bar" not in bars:
            bars["bar"] = progress_bar(total, "downloading", "B")
        if bars["bar"] is not None:
            bars["bar"].update(done - bars["bar"].n)

    try:
        return load_dataset(name, data_dir=data_dir, validation_size=validation_size,
                            progress=progress)
    finally:
        if bars.get("bar") is not None:
            bars["bar"].close()


def train_and_save(config: TrainingConfig, preset: str, dataset_name: str,
                   data_dir: Path | None, out: Path, quiet: bool) -> ExitCode:
    """Load the data, train, save the model with its metadata, and say what happened."""
    from ..metrics import evaluate
    from ..model_io import save_model
    from ..network import Network

    check_layers_fit(config.layers, IMAGE_PIXELS, NUM_CLASSES, "digit")
    if out.is_dir():
        raise ConfigError(f"--out {out}: is a folder; give the path of a .npz file")
    data = load_data(dataset_name, data_dir, config.validation_size, quiet)
    check_layers_fit(config.layers, data.x_train.shape[1], NUM_CLASSES, data.name)
    counts = data.counts
    print(f"Data: {data.description}; training on {counts['train']:,} images"
          + (f", validating on {counts['validation']:,}" if counts["validation"] else "")
          + f", testing on {counts['test']:,}", flush=True)
    network = Network(config.layers, config.activation, config.output_activation, config.cost,
                      config.init, config.dtype, config.seed)
    print(f"{network}; {config.optimizer}, eta {config.learning_rate:g} ({config.schedule}), "
          f"mini-batches of {config.mini_batch_size}, {config.epochs} epochs, seed {config.seed}",
          flush=True)
    history, seconds = train_interruptibly(network, data, config, quiet)
    with quiet_numpy():
        test = evaluate(network, data.x_test, data.y_test)
        val = evaluate(network, data.x_val, data.y_val) if counts["validation"] else None
    metadata = {
        "preset": preset,
        "config": config.to_dict(),
        "dataset": {"name": data.name, "requested": dataset_name, "description": data.description,
                    "source": data.source, "sizes": counts},
        "results": results(history, test.accuracy, test.cost, val.accuracy if val else None),
        "history": history.to_dict(),
        "seconds": round(seconds, 3),
        "stop_reason": history.stop_reason,
    }
    save_model(out, network, metadata)
    return report(history, test.accuracy, counts["test"], seconds, out)


def quiet_numpy() -> Any:
    """Parameters kept from just before a divergence can still be huge: measuring them may
    overflow, which the one-line divergence message has already explained."""
    import numpy as np

    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


def train_interruptibly(network: Any, data: Any, config: TrainingConfig,
                        quiet: bool) -> tuple[History, float]:
    """Run the training loop with Ctrl-C meaning "stop after this mini-batch"."""
    from ..training import train

    validation = (data.x_val, data.y_val) if len(data.y_val) else None
    display = Display(config.epochs, quiet)
    previous = signal.signal(signal.SIGINT, display.request_stop)
    started = time.perf_counter()
    try:
        if not quiet:
            print("Training (Ctrl-C stops after the current mini-batch and saves)", flush=True)
        history = train(network, data.x_train, data.y_train, config, validation=validation,
                        test=(data.x_test, data.y_test), callback=display)
    finally:
        signal.signal(signal.SIGINT, previous)
        display.close_bar()
    return history, time.perf_counter() - started


def results(history: History, test_accuracy: float, test_cost: float,
            validation_accuracy: float | None) -> dict[str, Any]:
    key = "validation_accuracy" if validation_accuracy is not None else "test_accuracy"
    best = history.best_epoch(key)
    return {
        "test_accuracy": test_accuracy,
        "test_cost": test_cost,
        "validation_accuracy": validation_accuracy,
        "best_epoch": best.epoch if best else None,
        "epochs_trained": len(history.epochs),
        "final_train_cost": history.epochs[-1].train_cost if history.epochs else None,
    }


def report(history: History, test_accuracy: float, test_count: int, seconds: float,
           out: Path) -> ExitCode:
    """The closing lines; the exit code follows how training stopped."""
    code = ExitCode.OK
    if history.stop_reason == "diverged":
        fail(f"{history.message} Saved them to {out}.")
        code = ExitCode.DIVERGED
    elif history.stop_reason == "interrupted":
        print(f"Interrupted: {history.message}; saved what was learned so far.", flush=True)
        code = ExitCode.INTERRUPTED
    elif history.stop_reason == "early_stopping":
        print(f"Stopped early: {history.message}", flush=True)
    print(f"Test accuracy: {test_accuracy:.2%} on {test_count:,} test images", flush=True)
    print(f"Time: {seconds:.1f} s", flush=True)
    print(f"Saved the model to {out}", flush=True)
    print(f"Look at it with: digitnet info {out}   or try it with: digitnet serve {out}",
          flush=True)
    return code
