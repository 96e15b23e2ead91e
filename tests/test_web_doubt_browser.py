"""The page in headless Chromium: "not sure (maybe 7 or 9)", its minimum-confidence slider, and
saving the drawing into your own digits.

The network is trained one epoch on real MNIST and given a high temperature (its
probabilities softened), so that a drawn 7 is below the default minimum confidence until the
slider is lowered. Skips like tests/test_web_browser.py, whose helpers it uses, with
conftest's ``page``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from digitnet.data.my_digits import read_labels
from test_web_browser import SEVEN, draw

pytestmark = [pytest.mark.browser, pytest.mark.mnist]
TEMPERATURE = 6.0


@pytest.fixture(scope="module")
def served(mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The page's URL and the folder it saves your digits into."""
    from digitnet import TrainingConfig, train
    from digitnet.data import load_dataset
    from digitnet.model_card import DatasetRecord, ModelCard
    from digitnet.model_io import load_model, save_model
    from digitnet.web import background_server, create_app

    config = TrainingConfig(layers=(784, 32, 10), activation="relu", output_activation="softmax",
                            cost="categorical_cross_entropy", init="he", optimizer="adam",
                            learning_rate=0.003, mini_batch_size=64, epochs=1)
    data = load_dataset("mnist", data_dir=mnist_dir, download=False)
    network = config.build_network()
    train(network, data.x_train, data.y_train, config)
    card = ModelCard(network.architecture, config, temperature=TEMPERATURE,
                     dataset=DatasetRecord("mnist", source=str(mnist_dir)))
    path = save_model(tmp_path_factory.mktemp("model") / "soft.npz", network, card)
    folder = tmp_path_factory.mktemp("my-digits")
    with background_server(create_app(load_model(path), my_digits_dir=folder)) as url:
        yield url, folder


@pytest.fixture(scope="module")
def server_url(served: tuple[str, Path]) -> str:
    """The URL conftest's ``page`` fixture opens."""
    return served[0]


def ready(page: Any) -> Any:
    """The page once it has read the model's default minimum confidence."""
    page.wait_for_function("() => document.getElementById('min-confidence-value')"
                           ".textContent === '80%'", timeout=10_000)
    return page


def answer_shown(page: Any, sure: str) -> None:
    """Wait until nothing is in flight and the answer shown is sure (``"true"``) or not."""
    page.wait_for_function(
        "(sure) => document.getElementById('pad').dataset.pending === 'false' && "
        "document.getElementById('answer').dataset.sure === sure", arg=sure, timeout=15_000)


def test_an_unsure_answer_and_the_slider(page: Any) -> None:
    draw(ready(page), SEVEN)
    answer_shown(page, "false")
    caption = page.locator("#answer-caption").inner_text()
    assert page.locator("#answer").inner_text() == "?"
    assert caption.startswith("Not sure (maybe 7 or "), caption
    assert "below the minimum confidence of 80%" in caption

    page.locator("#min-confidence").fill("0.1")  # lower the bar: the drawing is asked again
    answer_shown(page, "true")
    assert page.locator("#answer").inner_text() == "7"
    assert page.locator("#min-confidence-value").inner_text() == "10%"

    page.locator("#min-confidence").fill("0.99")
    page.locator("#noise").click()  # noise, judged by the same bar
    page.wait_for_function("() => document.getElementById('answer-caption').textContent"
                           ".startsWith('Pure random noise, and the network says it is not "
                           "sure (maybe ')", timeout=15_000)
    assert page.locator("#answer").inner_text() == "?"


def test_save_the_drawing_as_my_digit(page: Any, served: tuple[str, Path]) -> None:
    folder = served[1]
    ready(page)
    status = page.locator("#my-digits-status")
    page.wait_for_function("() => !document.getElementById('my-digits').hidden", timeout=10_000)
    assert str(folder) in status.inner_text()
    page.locator("#save-digit").click()
    assert "Draw a digit first" in status.inner_text()
    draw(page, SEVEN)
    page.locator("#my-digit-label").select_option("7")
    page.locator("#save-digit").click()
    page.wait_for_function("() => document.getElementById('my-digits-status').textContent"
                           ".startsWith('Saved as a 7')", timeout=10_000)
    entries = read_labels(folder)
    assert entries[-1][1] == 7 and (folder / entries[-1][0]).is_file()
