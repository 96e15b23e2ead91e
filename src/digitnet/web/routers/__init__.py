"""The web API, one router per topic; ``create_app`` includes every router in ``ROUTERS``.

Each module holds an ``APIRouter`` named ``router`` and top-level handler functions that take
what they need as parameters: the request body (a pydantic model of :mod:`digitnet.web.schemas`)
and what the app serves (``served: ServedDep``, one model for the whole request) or its whole
state (``state: AppStateDep``: the served model, the training runs, the my-digits folder). A
new topic is a new module here, added below.
"""

from __future__ import annotations

from fastapi import APIRouter

from digitnet.web.routers import (
    backprop,
    landscape,
    lean,
    model,
    my_digits,
    page,
    predict,
    test_set,
    training,
)

ROUTERS: tuple[APIRouter, ...] = (lean.router, page.router, model.router, predict.router,
                                  test_set.router, training.router, backprop.router,
                                  landscape.router, my_digits.router)

__all__ = ["ROUTERS"]
