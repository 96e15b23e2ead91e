"""Live training from the page: start a run, watch it as server-sent events, steer it, use it.

    GET  /api/training             the current run, the server's limits, presets, option names
    POST /api/training             start a run with the options of ``digitnet train`` -> 202
    GET  /api/training/events      the run as server-sent events (text/event-stream)
    POST /api/training/pause       wait after the current mini-batch
    POST /api/training/resume      go on
    POST /api/training/step        exactly one mini-batch, while paused
    POST /api/training/stop        end the run
    POST /api/training/use         serve the run's network (saved under models/) to the page

The run trains in a thread beside the server (see :mod:`digitnet.web.live`); its network is
never the one being served: ``use`` saves a copy and swaps the served model in one step.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse

from digitnet.activations import ACTIVATIONS
from digitnet.costs import COSTS
from digitnet.data import DATASETS
from digitnet.initializers import INITIALIZERS
from digitnet.optimizers import OPTIMIZERS
from digitnet.presets import PRESETS
from digitnet.schedules import SCHEDULES
from digitnet.web.live.limits import LIMITS
from digitnet.web.live.schemas import (
    Limits,
    RunInfo,
    RunStatus,
    TrainingOverview,
    TrainingRequest,
    UseResponse,
)
from digitnet.web.live.trainer import Trainer
from digitnet.web.schemas import ErrorResponse
from digitnet.web.state import AppStateDep, Served, build_test_set

router = APIRouter(prefix="/api/training", tags=["training"])
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": ErrorResponse,
                                                   "description": "does not fit the run's state"}}
POLL = 0.1  # seconds between two looks at the run's events
KEEP_ALIVE = 15.0  # seconds of silence before a comment line keeps the connection open
EVENTS = """Server-sent events of the current run, from its start (or after `Last-Event-ID`):

* `run`: what is trained on what (as POST answers), the ten fixed test `digits` (pixels,
  labels) and the network before training (`start`: `weights`, `outputs`, `answers`);
* `state`: `running`, `paused`, `finished`, `failed` or `stopped`, with a message (and `idle`
  before the first run);
* `costs`: mini-batch costs, gathered ten times a second: `first` (the number of the first
  mini-batch, from 0) and `costs`;
* `epoch`: the epoch's train cost, validation and test accuracy and cost, its `diagnosis`
  (`problems` in words, per-layer numbers), the first layer's `weights` (up to 16 neurons, 784
  each) and the `outputs` and `answers` on the ten digits.

Event ids are `RUN-INDEX`. The stream stays open across runs: a new run starts with `run`."""


@router.get("", summary="The current run, the limits, the presets and the option names")
def overview(state: AppStateDep) -> TrainingOverview:
    run = state.trainer.run
    names: dict[str, Mapping[str, Any]] = {
        "activation": ACTIVATIONS, "cost": COSTS, "init": INITIALIZERS, "optimizer": OPTIMIZERS,
        "preset": PRESETS, "schedule": SCHEDULES}
    choices = {key: sorted(registry) for key, registry in names.items()}
    choices["dataset"] = ["default", *DATASETS]
    limits = state.trainer.limits
    return TrainingOverview(
        run=run.info() if run else None, status=run.status() if run else None,
        limits=Limits(parameters=limits.parameters, epochs=limits.epochs,
                      examples=limits.examples, work=limits.work, text=limits.text),
        presets={name: config.to_dict() for name, config in PRESETS.items()}, choices=choices)


@router.post("", status_code=202, responses=CONFLICT,
             summary="Start training a network with the options of digitnet train",
             description="422 names an impossible option (the messages of `digitnet train`) "
                         f"or a run too large for this server: {LIMITS.text}. 409 while "
                         "another run is training or paused.")
def start(request: TrainingRequest, state: AppStateDep) -> RunInfo:
    return state.trainer.start(request)


@router.get("/events", response_class=StreamingResponse, summary="The run as it happens",
            description=EVENTS, responses={200: {"content": {"text/event-stream": {}}}})
async def events(request: Request, state: AppStateDep,
                 last_event_id: Annotated[str | None, Header()] = None) -> StreamingResponse:
    return StreamingResponse(stream(request, state.trainer, last_event_id),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def stream(request: Request, trainer: Trainer, last_event_id: str | None
                 ) -> AsyncIterator[str]:
    """The log of the current run from where the client is, then every new event, until the
    client goes or the server stops; a new run's log from its start."""
    log = trainer.log
    index, quiet = log.start_of(last_event_id), 0.0
    yield "retry: 1000\n\n"  # reconnect after a second
    while not trainer.closing.is_set():
        if trainer.log is not log:
            log, index = trainer.log, 0
        new = log.since(index)
        if new:
            index, quiet = index + len(new), 0.0
            yield "".join(event.encode() for event in new)
        elif quiet >= KEEP_ALIVE:
            quiet = 0.0
            yield ": keep-alive\n\n"
        if await request.is_disconnected():
            return
        await asyncio.sleep(POLL)
        quiet += POLL


@router.post("/pause", responses=CONFLICT, summary="Pause after the current mini-batch")
def pause(state: AppStateDep) -> RunStatus:
    return state.trainer.pause()


@router.post("/resume", responses=CONFLICT, summary="Go on training")
def resume(state: AppStateDep) -> RunStatus:
    return state.trainer.resume()


@router.post("/step", responses=CONFLICT, summary="Exactly one mini-batch, while paused")
def step(state: AppStateDep) -> RunStatus:
    return state.trainer.step()


@router.post("/stop", responses=CONFLICT, summary="End the run (its network is kept for use)")
def stop(state: AppStateDep) -> RunStatus:
    return state.trainer.stop()


@router.post("/use", responses=CONFLICT,
             summary="Serve the run's network to the page, saved to a file under models/")
def use(state: AppStateDep) -> UseResponse:
    model, path, run = state.trainer.use()
    images, labels = run.data.test
    tests = build_test_set(model, images, labels, run.data.dataset.name)
    state.served.swap(Served(model, tests, ""))
    return UseResponse(run=run.number, path=str(path), test_accuracy=model.test_accuracy,
                       status=run.status())
