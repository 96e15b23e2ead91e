"""The "Train your own network" panel in headless Chromium, driven like a person would.

The server starts with an untrained 784-16-10 network. On the page: pick a recipe, 2,000
images, start; the cost curve gains points and the first epochs arrive; pause (the curve stops),
step (exactly one more point), stop, use; then draw a 7 and get the answer of the network just
trained (784-20-10: the network view shows its 20 hidden neurons). Any console error fails the
test (conftest.py's ``page``). With DIGITNET_SAVE_SCREENSHOT=1 the panel,
mid-run, is saved to docs/training-panel.png for the README.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_web_browser import DOCS, SEVEN, draw, settled

pytestmark = [pytest.mark.browser, pytest.mark.mnist]


@pytest.fixture(scope="module")
def server_url(mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from digitnet import Network
    from digitnet.model_card import ModelCard
    from digitnet.model_io import load_model, save_model
    from digitnet.web import background_server, create_app

    network = Network([784, 16, 10], activation="sigmoid", output_activation="softmax",
                      cost="categorical_cross_entropy", init="xavier", seed=0)
    path = save_model(tmp_path_factory.mktemp("model") / "untrained.npz", network,
                      ModelCard(network.architecture))
    app = create_app(load_model(path), data_dir=mnist_dir,
                     models_dir=tmp_path_factory.mktemp("models"))
    with background_server(app) as url:
        yield url


def points(page: Any, chart: str = "cost-chart") -> int:
    return int(page.locator(f"#{chart}").get_attribute("data-points"))


def wait_state(page: Any, state: str) -> None:
    page.wait_for_selector(f'#train-status[data-state="{state}"]', timeout=30_000)


def test_train_watch_pause_step_stop_use_and_draw(page: Any, tmp_path: Path) -> None:
    page.wait_for_function("() => document.getElementById('train-status').innerText"
                           ".startsWith('No run yet')", timeout=10_000)
    page.select_option("#train-preset", "3b1b-tuned")
    assert page.locator("#train-optimizer").input_value() == "adam"  # the recipe's values
    page.fill("#train-layers", "784,20,10")
    page.fill("#train-images", "2000")
    page.fill("#train-epochs", "100")
    page.click("#train-start")
    wait_state(page, "running")
    page.wait_for_function("() => Number(document.getElementById('cost-chart').dataset.points)"
                           " > 0", timeout=30_000)
    first = points(page)
    page.wait_for_function(f"() => Number(document.getElementById('cost-chart').dataset.points)"
                           f" > {first}", timeout=30_000)  # the curve gains points
    page.wait_for_function("() => Number(document.getElementById('accuracy-chart').dataset"
                           ".points) >= 3", timeout=60_000)
    assert page.locator("#weight-pictures canvas").count() == 16
    assert page.locator("#test-digits figure").count() == 10
    assert page.locator("#diagnosis table tbody tr").count() == 2
    if os.environ.get("DIGITNET_SAVE_SCREENSHOT"):
        DOCS.mkdir(exist_ok=True)
        page.locator("#train-panel").screenshot(path=str(DOCS / "training-panel.png"))

    page.click("#train-pause")
    wait_state(page, "paused")
    page.wait_for_timeout(300)  # the last costs before the pause arrive
    paused = points(page)
    page.wait_for_timeout(700)
    assert points(page) == paused  # paused: no more mini-batches
    page.click("#train-step")
    page.wait_for_function(f"() => Number(document.getElementById('cost-chart').dataset.points)"
                           f" === {paused + 1}", timeout=10_000)
    page.wait_for_timeout(500)
    assert points(page) == paused + 1  # exactly one
    assert f"mini-batch {paused + 1:,}" in page.locator("#train-status").inner_text()

    box = page.locator("#cost-chart .u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    raw = page.locator("#cost-chart .u-legend .u-series").nth(1)
    assert "u-off" not in (raw.get_attribute("class") or "")  # the raw costs, on hover
    assert raw.locator(".u-value").inner_text() not in ("", "–")

    page.click("#train-stop")
    wait_state(page, "stopped")
    page.click("#train-use")
    page.wait_for_function("() => document.getElementById('model-info').innerText"
                           ".includes('784–20–10')", timeout=10_000)
    page.locator("#pad").scroll_into_view_if_needed()
    draw(page, SEVEN)
    settled(page)
    assert page.locator("#answer").inner_text().isdigit()
    assert page.locator('#net circle.neuron[data-layer="1"]').count() == 20  # the new network


def test_the_recipe_s_regularisation_and_distortions_are_shown_and_sent(page: Any) -> None:
    """best-augmented's distortions and clean finish fill the folded fields; a field changed
    there is the run's."""
    page.wait_for_function("() => document.getElementById('train-preset').options.length > 0",
                           timeout=10_000)
    page.select_option("#train-preset", "best-augmented")
    page.click(".train-more summary")
    shown = {name: page.locator(f"#train-{name}").input_value()
             for name in ("schedule", "rotation", "elastic-alpha", "clean-finish", "dropout")}
    assert shown == {"schedule": "cosine", "rotation": "10", "elastic-alpha": "34",
                     "clean-finish": "0.2", "dropout": "0"}
    page.fill("#train-dropout", "0.3")
    page.fill("#train-layers", "784,20,10")
    page.fill("#train-images", "500")
    page.fill("#train-epochs", "1")
    with page.expect_response(lambda answer: answer.url.endswith("/api/training")
                              and answer.request.method == "POST") as started:
        page.click("#train-start")  # the run's own answer, not a GET that may see the last run
    assert started.value.status == 202
    config = started.value.json()["config"]
    assert (config["dropout"], config["rotation"], config["clean_finish"]) == (0.3, 10.0, 0.2)
    assert config["layers"] == [784, 20, 10] and config["schedule"] == "cosine"
