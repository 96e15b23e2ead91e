"""The README's Python example runs as written (on the real MNIST files)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.mnist
def test_the_python_api_example_runs(mnist_dir: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    block = re.search(r"```python\n(.*?)```", README.read_text(), re.S)
    assert block is not None, "the README has no Python example"
    code = block.group(1).replace('"../shared/data/mnist"', repr(str(mnist_dir)))
    monkeypatch.chdir(tmp_path)  # the example writes models/mine.npz
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "13002"
    assert float(printed[2]) > 0.85
    assert (tmp_path / "models" / "mine.npz").is_file()
