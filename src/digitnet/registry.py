"""Looking a name up in one of digitnet's registries, with a one-line error for unknown names."""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from typing import TypeVar

from .errors import ConfigError

T = TypeVar("T")


def lookup(registry: Mapping[str, T], name: str, kind: str) -> T:
    """Return ``registry[name]``; an unknown name raises ConfigError listing the known ones."""
    try:
        return registry[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(registry))
        raise ConfigError(f"unknown {kind} {reprlib.repr(name)}: choose one of {known}") from None
