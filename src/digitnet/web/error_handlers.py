"""Every error the API gives is one line of JSON, ``{"error": "..."}``, with a 4xx status.

Validation errors (a body or path parameter of the wrong shape) become 422 naming where each
problem is; a long list is cut after ``MAX_PROBLEMS`` and says how many more there are, so 784
bad pixels make one readable line, not 784 clauses. HTTP errors keep their status; the
library's own errors (:class:`digitnet.errors.DigitnetError`: not an image, no digit found...)
are 422, except a training command that does not fit the run's state (409).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from digitnet.errors import DigitnetError, shown
from digitnet.web.live.trainer import RunConflictError

MAX_PROBLEMS = 3  # validation problems named in full; the rest are counted


def validation_message(errors: Sequence[Mapping[str, Any]], limit: int = MAX_PROBLEMS) -> str:
    """One line for pydantic's list of errors: the first ``limit``, then how many more.

    >>> validation_message([{"loc": ("body", "pixels", i), "msg": "bad"} for i in range(5)])
    'pixels.0: bad; pixels.1: bad; pixels.2: bad; and 2 more problems'
    """
    problems = []
    for error in errors[:limit]:
        where = ".".join(location(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    more = len(errors) - len(problems)
    if more > 0:
        problems.append(f"and {more} more problem{'s' if more > 1 else ''}")
    return "; ".join(problems) or "invalid request"


def location(part: object) -> str:
    """One step of where a problem is: a field name or an index, as it came; a name that is not
    plain printable text (a client's unknown key can hold anything) is quoted and shortened."""
    text = str(part)
    return text if text.isprintable() and len(text) <= 40 else shown(part, 40)


async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"error": validation_message(exc.errors())}, 422)


async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return JSONResponse({"error": str(exc.detail)}, exc.status_code, headers=exc.headers)


async def conflict(request: Request, exc: RunConflictError) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, 409)


async def library_error(request: Request, exc: DigitnetError) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, 422)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error as ``{"error": "..."}``: validation and library errors as 422,
    training conflicts as 409."""
    app.exception_handler(RequestValidationError)(invalid_request)
    app.exception_handler(StarletteHTTPException)(http_error)
    app.exception_handler(DigitnetError)(library_error)
    app.exception_handler(RunConflictError)(conflict)
