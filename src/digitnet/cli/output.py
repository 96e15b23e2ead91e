"""Printing results: JSON with lists of numbers kept on one line, percentages."""

from __future__ import annotations

import json
import math
import re
from typing import Any

# A JSON list of numbers (or null/true/false) spread over lines by indent=2, to put on one line.
NUMBER_LIST = re.compile(r"\[\s*((?:[-+.\w]+,\s*)*[-+.\w]+)\s*\]")


def print_json(value: Any) -> None:
    """Indented JSON, with lists of numbers (probabilities, matrix rows) kept on one line."""
    text = json.dumps(value, indent=2)
    print(NUMBER_LIST.sub(lambda m: "[" + ", ".join(m[1].replace(",", " ").split()) + "]", text))


def percent(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.2%}"


def finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
