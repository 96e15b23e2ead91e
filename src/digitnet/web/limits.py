"""What the server accepts and how long it waits: its limits, and the body limit as middleware.

:class:`ServerLimits` gathers every limit (``digitnet serve`` uses ``SERVER_LIMITS``; the
README's "limits" paragraph and docs/load-test.md list them). The body limit and the body
timeout are ASGI middleware, :class:`BodySizeLimit`: a client may announce its size
(``Content-Length``) or stream chunks without saying. Both are checked: an announced size over
the limit is refused before reading anything, and a streamed body is read into memory up to the
limit and refused as soon as it passes it (413). A body that has not fully arrived within
``body_timeout`` seconds is refused with 408, so a client sending slowly holds one connection
for a bounded time. Either way the answer is ``{"error": ...}``, and the app never sees the body.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import anyio

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class ServerLimits:
    """How much the server accepts and how long it waits (uvicorn's settings and ours)."""

    max_body_bytes: int = 8 * 1024 * 1024  # an uploaded photo fits; larger bodies get 413
    body_timeout: float = 10.0  # seconds for a whole request body to arrive, else 408
    keep_alive: float = 5.0  # seconds an idle keep-alive connection stays open
    max_connections: int = 1000  # open connections (or running requests): past it, 503
    backlog: int = 2048  # connections waiting to be accepted by the kernel
    graceful_shutdown: float = 5.0  # seconds open responses get when the server stops

    def uvicorn_options(self) -> dict[str, Any]:
        """The limits uvicorn applies itself, as ``uvicorn.Config`` keyword arguments."""
        return {"timeout_keep_alive": self.keep_alive, "limit_concurrency": self.max_connections,
                "backlog": self.backlog, "timeout_graceful_shutdown": self.graceful_shutdown}


SERVER_LIMITS = ServerLimits()


class BodySizeLimit:
    """Refuse HTTP request bodies over ``max_body_bytes`` with 413, and bodies that take more
    than ``body_timeout`` seconds to arrive with 408."""

    def __init__(self, app: ASGIApp, max_body_bytes: int,
                 body_timeout: float = SERVER_LIMITS.body_timeout) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        announced = headers.get(b"content-length")
        if announced is not None:
            try:
                size = int(announced)
            except ValueError:
                await self.refuse(send, 400, "the Content-Length header is not a number")
                return
            if size > self.max_body_bytes:
                await self.refuse(send, 413, self.too_large(f"{size:,} bytes"))
                return
        body: bytes | None = None
        with anyio.move_on_after(self.body_timeout) as waiting:
            body = await self.read_body(receive, send)
        if waiting.cancelled_caught:
            await self.refuse(send, 408, f"the request body did not arrive within "
                                         f"{self.body_timeout:g} s")
        elif body is not None:
            await self.app(scope, self.replay(body, receive), send)

    async def read_body(self, receive: Receive, send: Send) -> bytes | None:
        """The whole body; None when the client left or the body was too large (refused)."""
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_body_bytes:
                await self.refuse(send, 413, self.too_large(f"over {self.max_body_bytes:,} bytes"))
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    def replay(body: bytes, receive: Receive) -> Receive:
        """A ``receive`` giving ``body`` whole first, then what the client sends next."""
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay

    def too_large(self, size: str) -> str:
        return f"the request body is too large: {size} (limit {self.max_body_bytes:,} bytes)"

    @staticmethod
    async def refuse(send: Send, status: int, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
