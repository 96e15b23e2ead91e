"""Looking a name up in one of digitnet's registries, with a one-line error for unknown names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from .errors import ConfigError, shown

T = TypeVar("T")


def lookup(registry: Mapping[str, T], name: str, kind: str) -> T:
    """Return ``registry[name]``; an unknown name raises ConfigError listing the known ones."""
    try:
        return registry[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(registry))
        raise ConfigError(f"unknown {kind} {shown(name)}: choose one of {known}") from None
