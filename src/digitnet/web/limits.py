"""A request body size limit, as ASGI middleware.

A client may announce its size (``Content-Length``) or stream chunks without saying. Both are
checked: an announced size over the limit is refused before reading anything, and a streamed body
is read into memory up to the limit and refused as soon as it passes it. Either way the answer is
413 with ``{"error": ...}``, and the app never sees the body.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodySizeLimit:
    """Refuse HTTP request bodies over ``max_body_bytes`` with 413."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

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
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_body_bytes:
                await self.refuse(send, 413, self.too_large(f"over {self.max_body_bytes:,} bytes"))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

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
