"""How the network learns from one example, and from many: backpropagation as data.

    POST /api/backprop              the nudges one example asks for; with ``neuron``, the three
                                    ways to change that neuron
    POST /api/backprop/connection   the chain rule for one weight, beside the central difference
    POST /api/backprop/step         one step of gradient descent on that example (on a copy)
    POST /api/backprop/batch        every example's nudge of one weight, and their average

Every number is computed by :mod:`digitnet.explain` (the network's own backpropagation); these
handlers only choose the example and serialise the result. The served network never changes.
"""

from __future__ import annotations

from fastapi import APIRouter

from digitnet.activations import Array
from digitnet.explain import batch_wishes, chain_rule, neuron_wishes, nudges, one_step
from digitnet.network import Network
from digitnet.web.backprop_schemas import (
    BackpropRequest,
    BackpropResponse,
    BatchRequest,
    BatchResponse,
    ChainRuleResponse,
    ConnectionRequest,
    NeuronRef,
    NeuronWishesResponse,
    StepRequest,
    StepResponse,
)
from digitnet.web.inputs import batch_of, example_of, floats
from digitnet.web.state import ServedDep

router = APIRouter()


def wishes_of(network: Network, x: Array, label: int, neuron: NeuronRef,
              top: int) -> NeuronWishesResponse:
    """The three ways to change ``neuron``, as JSON."""
    wishes = neuron_wishes(network, x, label, neuron.layer, neuron.neuron, top)
    return NeuronWishesResponse(
        layer=wishes.layer, neuron=wishes.neuron, activation=wishes.activation,
        delta=wishes.delta, bias_nudge=wishes.bias_nudge,
        weight_nudges=[(k, float(v)) for k, v in wishes.weight_nudges],
        activation_nudges=floats(wishes.activation_nudges),
        summed_nudges=floats(wishes.summed_nudges))


@router.post("/api/backprop", summary="What one example wants: every nudge and every error")
def backprop(request: BackpropRequest, served: ServedDep) -> BackpropResponse:
    network = served.network
    x, label, index = example_of(request, served)
    result = nudges(network, x, label)
    wishes = (None if request.neuron is None
              else wishes_of(network, x, label, request.neuron, request.top))
    return BackpropResponse(
        label=label, test_index=index, cost=result.cost, outputs=floats(result.outputs),
        wanted=floats(result.wanted), output_nudges=floats(result.output_nudges),
        errors=[floats(error) for error in result.errors],
        input_nudges=floats(result.input_nudges), wishes=wishes)


@router.post("/api/backprop/connection",
             summary="The chain rule for one weight, with numbers and the central difference")
def connection(request: ConnectionRequest, served: ServedDep) -> ChainRuleResponse:
    x, label, _ = example_of(request, served)
    rule = chain_rule(served.network, x, label, request.layer, request.neuron, request.input)
    return ChainRuleResponse(
        layer=rule.layer, neuron=rule.neuron, input=rule.input, label=label, weight=rule.weight,
        input_activation=rule.input_activation, weighted_input=rule.weighted_input,
        sigma_prime=rule.sigma_prime, activation_gradient=rule.activation_gradient,
        error=rule.error, gradient=rule.gradient, numerical=rule.numerical,
        relative_error=rule.relative_error)


@router.post("/api/backprop/step",
             summary="One step of gradient descent on this example (the served network stays)")
def step(request: StepRequest, served: ServedDep) -> StepResponse:
    x, label, _ = example_of(request, served)
    result = one_step(served.network, x, label, request.learning_rate)
    return StepResponse(
        label=label, learning_rate=result.learning_rate, cost_before=result.cost_before,
        cost_after=result.cost_after, outputs_before=floats(result.outputs_before),
        outputs_after=floats(result.outputs_after))


@router.post("/api/backprop/batch",
             summary="Every example's nudge of one weight; their average is the gradient")
def batch(request: BatchRequest, served: ServedDep) -> BatchResponse:
    X, labels, indices = batch_of(request, served)
    result = batch_wishes(served.network, X, labels, request.layer, request.neuron,
                          request.input)
    return BatchResponse(
        layer=result.layer, neuron=result.neuron, input=result.input,
        labels=[int(label) for label in result.labels], test_indices=indices,
        nudges=floats(result.nudges), average=result.average, gradient=result.gradient)
