"""The walk downhill: the cost on a plane through the parameters, with two descents across it.

    POST /api/landscape     :func:`digitnet.explain.landscape` on a seeded subset of the test
                            images, from the served network or a fresh one of its architecture

The served network is never changed: the walks are taken on copies. Each walk records every
parameter at every step (to find the plane and project the path onto it), so the number of
steps a large network may take is bounded by ``PATH_NUMBERS``.
"""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, HTTPException

from digitnet.explain import landscape
from digitnet.model_io import Model
from digitnet.network import Network
from digitnet.web.backprop_schemas import LandscapeRequest, LandscapeResponse, WalkResponse
from digitnet.web.inputs import finite_or_none, require_tests
from digitnet.web.state import ServedDep

router = APIRouter()

DEFAULT_STEPS = 30
PATH_NUMBERS = 20_000_000  # parameters recorded along both walks: 2 (steps + 1) p <= this
FRESH_INIT = "xavier"  # for a network whose file does not say how it was initialised


def start_network(model: Model, start: str, seed: int) -> Network:
    """The served network, or a fresh one of its architecture initialised from ``seed`` the
    way its training configuration says (Xavier when the file does not say)."""
    network = model.network
    if start == "served":
        return network
    config = model.card.config
    return Network(network.sizes, network.activation.name, network.output_activation.name,
                   network.cost.name, config.init if config else FRESH_INIT, network.dtype,
                   seed)


def steps_for(network: Network, steps: int | None) -> int:
    """The steps asked for (by default 30), within what the network's size allows."""
    most = PATH_NUMBERS // (2 * network.num_parameters) - 1
    if most < 1:
        raise HTTPException(422, f"a network of {network.num_parameters:,} parameters is too "
                                 "large to record its walks here")
    if steps is None:
        return min(DEFAULT_STEPS, most)
    if steps > most:
        raise HTTPException(422, f"steps: a network of {network.num_parameters:,} parameters "
                                 f"can take at most {most} steps here (each step records "
                                 "every parameter)")
    return steps


@router.post("/api/landscape",
             summary="The cost on a plane through the parameters, and two walks downhill")
def cost_landscape(request: LandscapeRequest, served: ServedDep) -> LandscapeResponse:
    tests = require_tests(served)
    count = tests.labels.shape[0]
    if request.examples > count:
        raise HTTPException(422, f"examples: the {tests.name} set has {count} images, "
                                 f"not {request.examples}")
    if request.mini_batch_size > request.examples:
        raise HTTPException(422, f"mini_batch_size: at most the {request.examples} examples, "
                                 f"not {request.mini_batch_size}")
    network = start_network(served.model, request.start, request.seed)
    steps = steps_for(network, request.steps)
    rows = np.sort(np.random.default_rng(request.seed).choice(count, request.examples,
                                                              replace=False))  # (n,)
    result = landscape(network, tests.images[rows], tests.labels[rows],
                       request.learning_rate, request.mini_batch_size, steps,
                       request.directions, request.grid, request.seed, request.reach)
    walks = [WalkResponse(name=walk.name, coordinates=[
                 (a, b) for a, b in zip(finite_or_none(walk.coordinates[:, 0]),
                                        finite_or_none(walk.coordinates[:, 1]), strict=True)],
                          costs=finite_or_none(walk.costs))
             for walk in result.walks]
    return LandscapeResponse(
        alphas=finite_or_none(result.alphas), betas=finite_or_none(result.betas),
        costs=[finite_or_none(row) for row in result.costs], walks=walks,
        directions=result.directions, learning_rate=result.learning_rate,
        mini_batch_size=result.mini_batch_size, steps=steps, examples=request.examples,
        start=request.start, seed=request.seed)
