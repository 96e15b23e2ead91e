"""Named recipes: the classic networks, reproduced, and better ones of the same shapes.

* ``3b1b``: the network of the famous video: 784-16-16-10, sigmoid neurons, quadratic cost,
  standard-normal weights, plain SGD with eta = 3.0 on mini-batches of 10, 30 epochs.
* ``nielsen``: the classic book's first network, 784-30-10, otherwise the same; trained on
  50,000 images with 10,000 held out for validation, as in the book.
* ``modern``: what a practitioner would use today: ReLU hidden layer, softmax output with
  cross-entropy, He initialisation, Adam.
* ``3b1b-tuned``: the 3b1b shape, 784-16-16-10, with a better recipe: ReLU hidden neurons with
  He initialisation, softmax + cross-entropy, Adam with a cosine schedule and a little L2 weight
  decay (on MNIST it ends above 96%, against about 93.5% for the classic recipe).
* ``demo``: ``3b1b-tuned`` with fewer epochs, what ``make demo`` trains in a few seconds.

The accuracy ladder (issue 12; the README's results table has their three-seed figures):

* ``3b1b-best``: still the 13,002 parameters of 784-16-16-10: ``3b1b-tuned`` with leaky ReLU
  neurons (with 16 a layer, a ReLU that dies costs a sixteenth of the layer) for 60 epochs on
  mildly distorted digits (rotation up to 10 degrees, scale 10%, translation 1 pixel).
* ``best``: no augmentation: 784-1024-1024-10, ReLU, dropout 0.5 on the hidden layers, Adam
  1e-3 with a cosine schedule, mini-batches of 128, 30 epochs; half of every step is taken on
  the mini-batch's adversarial copy, each pixel moved by 0.05 the way that fools the network most
  (Goodfellow et al. 2015; see digitnet.adversarial).
* ``best-augmented``: the same network without dropout or adversarial training, 50 epochs on
  digits distorted as Simard et al. (2003) did: affine (rotation 10 degrees, scale 15%, shear 10
  degrees, translation 2 pixels) and elastic (alpha 34, sigma 4), except the last fifth of the
  epochs (10), which train on the digits as they are: the distorted digits are harder than real
  ones, and the network should end fitted to real ones (YOLOX, Ge et al. 2021, likewise turns
  its strong augmentations off for its last 15 epochs). About 8 minutes on this 2-core
  machine.
"""

from __future__ import annotations

from .config import TrainingConfig

CLASSIC = TrainingConfig(
    layers=(784, 16, 16, 10), activation="sigmoid", output_activation="sigmoid",
    cost="quadratic", init="normal", optimizer="sgd", learning_rate=3.0, mini_batch_size=10,
    epochs=30, validation_size=10_000,
)

TUNED_3B1B = TrainingConfig(
    layers=(784, 16, 16, 10), activation="relu", output_activation="softmax",
    cost="categorical_cross_entropy", init="he", optimizer="adam", learning_rate=0.002,
    weight_decay=1e-4, schedule="cosine", mini_batch_size=16, epochs=30,
)

# The accuracy ladder: the best recipes found for the 3b1b shape, and for any shape without and
# with augmentation (choices made on a validation split, figures on the test set: see the README).
WIDE = TrainingConfig(
    layers=(784, 1024, 1024, 10), activation="relu", output_activation="softmax",
    cost="categorical_cross_entropy", init="he", optimizer="adam", learning_rate=0.001,
    schedule="cosine", mini_batch_size=128, epochs=30,
)

PRESETS: dict[str, TrainingConfig] = {
    "3b1b": CLASSIC,
    "nielsen": CLASSIC.replace(layers=(784, 30, 10)),
    "modern": TrainingConfig(
        layers=(784, 800, 10), activation="relu", output_activation="softmax",
        cost="categorical_cross_entropy", init="he", optimizer="adam", learning_rate=0.001,
        mini_batch_size=128, epochs=20,
    ),
    "3b1b-tuned": TUNED_3B1B,
    "demo": TUNED_3B1B.replace(epochs=8),
    "3b1b-best": TUNED_3B1B.replace(activation="leaky_relu", epochs=60, rotation=10.0,
                                   scale=0.1, translation=1.0),
    "best": WIDE.replace(dropout=0.5, adversarial=0.05),
    "best-augmented": WIDE.replace(epochs=50, rotation=10.0, scale=0.15, shear=10.0,
                                   translation=2.0, elastic_alpha=34.0, elastic_sigma=4.0,
                                   clean_finish=0.2),
}
