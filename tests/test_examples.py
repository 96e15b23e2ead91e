"""The example scripts run as documented (on the offline default data)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_tour_runs_and_reports_each_step(offline_env: dict[str, str], tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(EXAMPLES / "tour.py"), "--out", str(tmp_path)],
                            capture_output=True, text=True, env=offline_env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "13,002 parameters" in result.stdout
    assert "epoch 3: test accuracy" in result.stdout
    assert "random noise is a" in result.stdout
    assert "dC/dw = a_k" in result.stdout and "central difference" in result.stdout
    step = re.search(r"one step on it: cost (\S+) -> (\S+)", result.stdout)
    assert step is not None, result.stdout
    before, after = map(float, step.groups())
    assert after < before  # one small step on an example lowers its cost
    assert (tmp_path / "neurons.png").stat().st_size > 1000
