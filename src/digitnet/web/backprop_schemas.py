"""The JSON of the learning endpoints: what one example wants, the chain rule, one step, every
example's wish (``POST /api/backprop*``), and the walk downhill (``POST /api/landscape``).

Each answer is the matching result of :mod:`digitnet.explain`, field for field; the book's
letters are spelled out (``input_activation`` is a_k, ``error`` is delta = dC/dz). Layers of
neurons are numbered as everywhere in the API: 0 is the input, L the output; a connection of
layer l joins neuron ``input`` of layer l - 1 to neuron ``neuron`` of layer l.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from digitnet.explain.landscape import MAX_GRID, MAX_STEPS
from digitnet.explain.steps import MAX_EXAMPLES
from digitnet.web.schemas import Pixel

Index = Annotated[int, Field(ge=0, le=2**31)]
LearningRate = Annotated[float, Field(gt=0.0, le=1000.0, allow_inf_nan=False)]
MAX_TOP = 100  # ranked weight nudges an answer may list


class ExampleRequest(BaseModel):
    """One example: 784 pixels with their label, or a test image (its label by default)."""

    pixels: list[Pixel] | None = Field(default=None, max_length=100_000,
                                       description="the 28x28 input flattened row by row")
    test_index: Index | None = Field(default=None, description="an index into the test set")
    label: Annotated[int, Field(ge=0, le=2**31)] | None = Field(
        default=None, description="the right digit (a test image's own label if not given)")

    @model_validator(mode="after")
    def one_input(self) -> ExampleRequest:
        if (self.pixels is None) == (self.test_index is None):
            raise ValueError("give either pixels or test_index (exactly one)")
        if self.pixels is not None and self.label is None:
            raise ValueError("pixels need a label: the digit they show")
        return self


class NeuronRef(BaseModel):
    """One neuron of layer 1..L."""

    layer: Index
    neuron: Index


class BackpropRequest(ExampleRequest):
    """The nudges of one example; with ``neuron``, also that neuron's three ways."""

    neuron: NeuronRef | None = None
    top: int = Field(default=10, ge=1, le=MAX_TOP, description="weight nudges to rank")


class ConnectionRequest(ExampleRequest):
    """The weight into neuron ``neuron`` of ``layer`` (1..L) from neuron ``input`` before it."""

    layer: Index
    neuron: Index
    input: Index


class StepRequest(ExampleRequest):
    learning_rate: LearningRate = Field(default=0.5, description="eta in w <- w - eta dC/dw")


class BatchRequest(BaseModel):
    """One weight (or, without ``input``, one bias) and k examples: drawn from the test set
    (``k`` and ``seed``) or given (``examples`` with ``labels``)."""

    layer: Index
    neuron: Index
    input: Index | None = Field(default=None, description="None: the neuron's bias")
    k: int = Field(default=100, ge=1, le=MAX_EXAMPLES, description="test images to draw")
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    examples: list[list[Pixel]] | None = Field(default=None, max_length=MAX_EXAMPLES)
    labels: list[Annotated[int, Field(ge=0, le=2**31)]] | None = Field(
        default=None, max_length=MAX_EXAMPLES)

    @model_validator(mode="after")
    def labelled(self) -> BatchRequest:
        if (self.examples is None) != (self.labels is None):
            raise ValueError("examples and labels come together")
        return self


class NeuronWishesResponse(BaseModel):
    """The three ways to change one neuron (:class:`digitnet.explain.NeuronWishes`).

    ``weight_nudges`` are [k, -dC/dw_jk], largest first; ``activation_nudges`` (n_{l-1},) what
    this neuron asks of the layer before; ``summed_nudges`` the same added up over its layer.
    """

    layer: int
    neuron: int
    activation: float
    delta: float
    bias_nudge: float
    weight_nudges: list[tuple[int, float]]
    activation_nudges: list[float]
    summed_nudges: list[float]


class BackpropResponse(BaseModel):
    """What one example wants (:class:`digitnet.explain.Nudges`): ``output_nudges`` is
    -dC/da^L, ``errors[l - 1]`` is delta^l of layer l = 1..L, ``input_nudges`` -dC/dx."""

    label: int
    test_index: int | None
    cost: float
    outputs: list[float]
    wanted: list[float]
    output_nudges: list[float]
    errors: list[list[float]]
    input_nudges: list[float]
    wishes: NeuronWishesResponse | None = None


class ChainRuleResponse(BaseModel):
    """dC/dw = a_k sigma'(z_j) dC/da_j for one connection (:class:`digitnet.explain.ChainRule`).

    ``sigma_prime`` and ``activation_gradient`` are None for a softmax output (its da/dz is a
    matrix); ``gradient`` comes from backpropagation, ``numerical`` from the central difference
    in float64; ``relative_error`` compares the two.
    """

    layer: int
    neuron: int
    input: int
    label: int
    weight: float
    input_activation: float
    weighted_input: float
    sigma_prime: float | None
    activation_gradient: float | None
    error: float
    gradient: float
    numerical: float
    relative_error: float


class StepResponse(BaseModel):
    """One step w <- w - eta dC_x/dw on a copy (the served network does not change)."""

    label: int
    learning_rate: float
    cost_before: float
    cost_after: float
    outputs_before: list[float]
    outputs_after: list[float]


class BatchResponse(BaseModel):
    """Every example's wished nudge -dC_x/dw of one parameter, their ``average`` and the
    mini-batch ``gradient`` dC/dw from one backward pass (``average == -gradient``)."""

    layer: int
    neuron: int
    input: int | None
    labels: list[int]
    test_indices: list[int] | None
    nudges: list[float]
    average: float
    gradient: float


MAX_LANDSCAPE_EXAMPLES = 5000


class LandscapeRequest(BaseModel):
    """The cost on a plane through the parameters, and two walks downhill across it, on
    ``examples`` test images drawn with ``seed``; from the served network or a fresh one."""

    learning_rate: float = Field(default=1.0, gt=0.0, le=100.0, allow_inf_nan=False,
                                 description="eta of both walks")
    mini_batch_size: int = Field(default=10, ge=1, le=MAX_LANDSCAPE_EXAMPLES,
                                 description="examples per step of the SGD walk")
    steps: int | None = Field(default=None, ge=1, le=MAX_STEPS, description=(
        "steps of each walk; by default 30, or fewer where the network is too large to "
        "record 30 steps of every parameter"))
    directions: Literal["pca", "random"] = "pca"
    grid: int = Field(default=21, ge=3, le=MAX_GRID, description="points on each side")
    examples: int = Field(default=500, ge=10, le=MAX_LANDSCAPE_EXAMPLES,
                          description="test images the cost is measured on")
    start: Literal["served", "fresh"] = Field(
        default="served", description="the served network, or a fresh initialisation of its "
        "architecture drawn with seed")
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    reach: float | None = Field(default=None, gt=0.0, le=1e9, allow_inf_nan=False, description=(
        "the grid spans [-reach, reach] on both axes; by default a quarter more than the walks "
        "go (give the last answer's to compare learning rates on one scale)"))


class WalkResponse(BaseModel):
    """One walk: its points on the plane [[alpha, beta], ...] and the true cost of each (null
    where it overflowed)."""

    name: str
    coordinates: list[tuple[float | None, float | None]]
    costs: list[float | None]


class LandscapeResponse(BaseModel):
    """``costs[i][j]`` is the cost at (alphas[j], betas[i]) (null where it overflowed); the
    walks start at (0, 0): full-batch gradient descent first, then mini-batch SGD."""

    alphas: list[float | None]
    betas: list[float | None]
    costs: list[list[float | None]]
    walks: list[WalkResponse]
    directions: str
    learning_rate: float
    mini_batch_size: int
    steps: int
    examples: int
    start: str
    seed: int
