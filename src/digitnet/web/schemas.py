"""The JSON the web API takes and gives, as pydantic models (they become the OpenAPI schema).

Layers of neurons are numbered as in the book: layer 0 is the input (784 pixels), layer L the
output (ten digits). The weights *into* layer l (l >= 1) are ``network.weights[l - 1]``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from digitnet.calibration import DEFAULT_MIN_CONFIDENCE

Pixel = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
MinConfidence = Annotated[float | None, Field(
    default=None, ge=0.0, le=1.0, allow_inf_nan=False,
    description="answers less sure than this are 'not sure' (default: "
                f"{DEFAULT_MIN_CONFIDENCE:g}; 0: always sure)")]


class ErrorResponse(BaseModel):
    """Every error: one line saying what is wrong (and, for validation, where)."""

    error: str = Field(examples=["pixels: expected 784 numbers, got 10"])


class PixelsRequest(BaseModel):
    """A digit as the network takes it: 784 intensities in [0, 1], row by row, white on black."""

    pixels: list[Pixel] = Field(description="the 28x28 image flattened row by row",
                                max_length=100_000)
    min_confidence: MinConfidence = None


MAX_BATCH = 256  # images in one POST /api/predict/batch


class ImagesRequest(BaseModel):
    """Many digits in one request, each as ``PixelsRequest.pixels``; at most ``MAX_BATCH``."""

    images: list[Annotated[list[Pixel], Field(max_length=100_000)]] = Field(
        description=f"each image flattened row by row (784 numbers); 1 to {MAX_BATCH} images",
        min_length=1, max_length=MAX_BATCH)


class LeanPrediction(BaseModel):
    """The network's answer and nothing else: the digit and the probability of each digit."""

    digit: int = Field(examples=[7])
    probabilities: list[float] = Field(description="p_j for j = 0..9, summing to 1")


class Predictions(BaseModel):
    """One :class:`LeanPrediction` per image, in the order of the request."""

    predictions: list[LeanPrediction]


class NoiseRequest(BaseModel):
    """Random noise; the same seed gives the same picture. Without one, the server picks one."""

    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)
    min_confidence: MinConfidence = None


class DreamRequest(BaseModel):
    """Gradient ascent on the input, from noise, towards one digit."""

    digit: int = Field(ge=0, le=9, description="the digit the network should see")
    steps: int = Field(default=100, ge=1, le=1000, description="gradient ascent steps")
    step_size: float = Field(default=0.02, gt=0.0, le=1.0, allow_inf_nan=False)
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)


class LayerState(BaseModel):
    """One layer of neurons during a prediction.

    ``z`` (None for the input) and ``activations`` hold every neuron; ``shown`` lists the
    neurons a picture should draw (all of a small layer; the most active of a large one).
    """

    index: int
    kind: str = Field(description="input, hidden or output")
    size: int
    activation: str | None
    z: list[float] | None
    activations: list[float]
    shown: list[int]


class Stage(BaseModel):
    """One stage of preparing a picture like MNIST, as a grayscale PNG data URL."""

    name: str
    caption: str
    width: int
    height: int
    image: str = Field(description="data:image/png;base64,...")


class Prediction(BaseModel):
    """What the network made of one input, and everything it computed on the way.

    ``connections[l]`` lists the strongest contributions from layer l to layer l + 1 between
    shown neurons, as [source, target, w * a]: the sign tells whether it excites or inhibits.
    The answers to pixels, pictures and noise are judged: ``probabilities`` are calibrated with
    the model's ``temperature`` (when it has one), and ``sure`` says whether ``confidence``
    reaches ``min_confidence``; ``maybe`` names the two most likely digits, the best first.
    """

    digit: int
    confidence: float
    probabilities: list[float]
    layers: list[LayerState]
    connections: list[list[tuple[int, int, float]]]
    stages: list[Stage] | None = None
    sure: bool | None = None
    maybe: list[int] | None = None
    min_confidence: float | None = None
    temperature: float | None = None


class NoiseResponse(BaseModel):
    seed: int
    prediction: Prediction


class DreamResponse(BaseModel):
    """The dreamed image (also ``prediction.layers[0].activations``), its start and trace."""

    digit: int
    seed: int
    start: list[float]
    image: list[float]
    probabilities: list[float] = Field(description="p_digit after each step, from the start")
    prediction: Prediction


class TestSetInfo(BaseModel):
    available: bool
    reason: str | None = None
    name: str | None = None
    count: int = 0
    misclassified: int = 0
    accuracy: float | None = None


class ModelInfo(BaseModel):
    """The network's architecture, how it was made (its file's metadata) and its test set.

    ``inputs`` and ``outputs`` are the sizes of the first and last layers (784 pixels, 10
    digits); ``image_side`` is 28 when the inputs are a 28x28 picture (None otherwise).
    """

    layers: list[int]
    activation: str
    output_activation: str
    cost: str
    num_parameters: int
    description: str
    test_accuracy: float | None
    metadata: dict[str, Any]
    test_set: TestSetInfo
    inputs: int
    outputs: int
    image_side: int | None
    min_confidence: float = Field(default=DEFAULT_MIN_CONFIDENCE,
                                  description="the minimum confidence answers are judged by "
                                              "unless a request gives its own")


class LayerWeights(BaseModel):
    """The weights into layer ``layer``: ``weights[j][k]`` joins neuron k of layer - 1 to j."""

    layer: int
    shape: tuple[int, int]
    weights: list[list[float]]
    biases: list[float]


class NeuronWeights(BaseModel):
    """One neuron's incoming weights and bias; ``image_side`` is 28 when they form a picture."""

    layer: int
    neuron: int
    bias: float
    weights: list[float]
    image_side: int | None


class TestItem(BaseModel):
    """A test image at ``position`` in the browsing order (misclassified first)."""

    position: int
    index: int = Field(description="its index in the test set")
    label: int
    predicted: int
    correct: bool
    prediction: Prediction


class MyDigitSaved(BaseModel):
    """A picture saved into the my-digits folder with its true label."""

    file: str
    label: int
    count: int = Field(description="how many digits the folder holds now")


class MyDigitsInfo(BaseModel):
    """Whether the page can save digits, where, and how many of each digit there are."""

    enabled: bool
    folder: str | None = None
    count: int = 0
    per_label: list[int] = Field(default_factory=list)
