"""The JSON of the live-training API, as pydantic models (they become the OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from digitnet.web.live.limits import LIMITS


def number(description: str) -> Any:
    """An optional finite number of the recipe (unset: the preset's)."""
    return Field(default=None, allow_inf_nan=False, description=description)


class TrainingRequest(BaseModel):
    """The options of ``digitnet train``: a preset, and any of its options changed.

    Unset options keep the preset's value. ``images`` is how many training images to learn from
    (default: all there are), so that a run can take seconds.
    """

    model_config = ConfigDict(extra="forbid")

    preset: str = Field(default="3b1b", description="a preset's name (GET /api/training lists "
                                                     "them with their options)")
    layers: str | list[int] | None = Field(
        default=None, description="every layer's size, input first: '784,16,16,10'")
    activation: str | None = Field(default=None, description="the hidden neurons' activation")
    output_activation: str | None = None
    cost: str | None = None
    init: str | None = None
    optimizer: str | None = None
    learning_rate: float | None = Field(default=None, allow_inf_nan=False)
    schedule: str | None = Field(default=None, description="a schedule's name (GET "
                                                           "/api/training lists them)")
    momentum: float | None = number("mu, for the momentum and nesterov optimizers")
    weight_decay: float | None = number("lambda of L2 regularisation")
    dropout: float | None = number("the share of hidden neurons dropped at each step")
    input_dropout: float | None = number("the share of pixels dropped at each step")
    max_norm: float | None = number("the longest a neuron's incoming weights may be (0: no limit)")
    label_smoothing: float | None = number("the share of the target spread over the other digits")
    adversarial: float | None = number("how far each pixel of the adversarial copy moves")
    rotation: float | None = number("distortions: the largest turn, in degrees")
    scale: float | None = number("distortions: the largest change of size, a fraction")
    shear: float | None = number("distortions: the largest shear, in degrees")
    translation: float | None = number("distortions: the largest move, in pixels")
    elastic_alpha: float | None = number("distortions: the elastic strength (0: none)")
    elastic_sigma: float | None = number("distortions: the elastic smoothness, in pixels")
    clean_finish: float | None = number("the share of the last epochs trained undistorted")
    batch_size: int | None = Field(default=None, description="the mini-batch size m")
    epochs: int | None = Field(default=None,
                               description=f"at most {LIMITS.epochs} on this server")
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    dataset: str = Field(default="default",
                         description="default (MNIST, else the offline sample), mnist or "
                                     "fashion-mnist: files on this server, never downloaded")
    images: int | None = Field(default=None, ge=1,
                               description="training images to learn from (default: all)")


class RunInfo(BaseModel):
    """A run: what it trains, on what, how long, and its state now."""

    run: int = Field(description="the run's number; event ids start with it")
    state: str = Field(description="running, paused, finished, failed or stopped")
    preset: str
    config: dict[str, Any] = Field(description="the whole TrainingConfig")
    network: str
    parameters: int
    dataset: str
    description: str
    images: int = Field(description="training images")
    validation: int = Field(description="validation images (0: none)")
    test: int = Field(description="test images")
    epochs: int
    batches_per_epoch: int


class RunStatus(BaseModel):
    """Where a run is: its state, mini-batches and epochs done, the last mini-batch's cost."""

    run: int
    state: str
    message: str
    batches: int = Field(description="mini-batches done so far")
    epochs: int = Field(description="epochs done so far")
    cost: float | None = Field(description="the cost of the last mini-batch")


class UseResponse(BaseModel):
    """The run's network, now served, and the file it was saved to."""

    run: int
    path: str
    test_accuracy: float | None
    status: RunStatus


class Limits(BaseModel):
    """How large a run this server accepts."""

    parameters: int
    epochs: int
    examples: int = Field(description="images x epochs")
    work: float = Field(description="parameters x images x epochs")
    text: str


class TrainingOverview(BaseModel):
    """The current run (None before the first), the limits, presets and option names."""

    run: RunInfo | None
    status: RunStatus | None
    limits: Limits
    presets: dict[str, dict[str, Any]]
    choices: dict[str, list[str]]
