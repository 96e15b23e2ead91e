"""Draw docs/augmentation.png: real MNIST digits and the distortions training sees.

    python examples/augmentation_grid.py [--data-dir ../shared/data/mnist]
                                         [--out docs/augmentation.png]

One row per digit, taken from the training set: the original, then each kind of distortion on its
own (rotation, scaling, shear, translation, elastic), then four draws of the ``best-augmented``
preset's full recipe, all drawn from one seeded generator. Needs the plots extra (matplotlib).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from digitnet import PRESETS
from digitnet.augment import Augmentation
from digitnet.data import load_dataset


def columns(preset: str) -> list[tuple[str, Augmentation]]:
    """(title, distortion) for each column after the original."""
    full = PRESETS[preset].augmentation()
    return [
        ("rotation\n±15°", Augmentation(rotation=15)),
        ("scale\n±20%", Augmentation(scale=0.2)),
        ("shear\n±20°", Augmentation(shear=20)),
        ("translation\n±3 px", Augmentation(translation=3)),
        (f"elastic\nα={full.elastic_alpha:g}, σ={full.elastic_sigma:g}",
         Augmentation(elastic_alpha=full.elastic_alpha, elastic_sigma=full.elastic_sigma)),
    ] + [(f"{preset}\ndraw {k}", full) for k in range(1, 5)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("docs/augmentation.png"))
    parser.add_argument("--preset", default="best-augmented")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = load_dataset("default", data_dir=args.data_dir)
    firsts = [int(np.flatnonzero(data.y_train == digit)[0]) for digit in range(10)]
    originals = data.x_train[firsts]  # (10, 784): the first 0, 1, ..., 9 of the training set
    rng = np.random.default_rng(args.seed)
    grid = [("original", originals)]
    grid += [(title, distort(originals, rng)) for title, distort in columns(args.preset)]

    figure, axes = plt.subplots(10, len(grid), figsize=(1.0 * len(grid), 10.9))
    for column, (title, pictures) in enumerate(grid):
        axes[0, column].set_title(title, fontsize=7)
        for row in range(10):
            axes[row, column].imshow(pictures[row].reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            axes[row, column].set_axis_off()
    figure.suptitle("Augmentation: every training image distorted afresh each epoch", fontsize=9)
    figure.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.out, dpi=110)
    print(f"Wrote {args.out} ({data.description})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
