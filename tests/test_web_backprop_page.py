"""The learning panels in headless Chromium: draw a 7, open "How it learns from this example",
play the backward pass, click a connection and read its chain rule, take a step, ask every
example, and draw the cost landscape; every number shown must be the API's for the same request.

The network is the `3b1b` recipe (sigmoid neurons, quadratic cost, so every factor of the chain
rule is a number) trained one epoch on 10,000 real MNIST images. With
DIGITNET_SAVE_SCREENSHOT=1 the panels are saved to docs/backprop-*.png for the README.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.mnist]

DOCS = Path(__file__).resolve().parents[1] / "docs"
SEVEN = [(0.28, 0.22), (0.72, 0.22), (0.45, 0.82)]  # fractions of the pad's side


@pytest.fixture(scope="module")
def server_url(mnist_dir: Path) -> Iterator[str]:
    from digitnet import PRESETS, train
    from digitnet.data import load_dataset
    from digitnet.model_card import ModelCard
    from digitnet.model_io import Model
    from digitnet.web import background_server, create_app

    config = PRESETS["3b1b"].replace(epochs=1)
    data = load_dataset("mnist", data_dir=mnist_dir, download=False)
    network = config.build_network()
    train(network, data.x_train[:10_000], data.y_train[:10_000], config)
    app = create_app(Model(network, ModelCard(network.architecture, config)),
                     (data.x_test, data.y_test), test_set_name="mnist")
    with background_server(app) as url:
        yield url


def draw_seven(page: Any) -> None:
    box = page.locator("#pad").bounding_box()
    points = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in SEVEN]
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point, steps=12)
    page.mouse.up()
    page.wait_for_function("() => document.getElementById('pad').dataset.pending === 'false' "
                           "&& document.getElementById('answer').dataset.state === 'ready'",
                           timeout=15_000)


def sent(page: Any, path: str) -> list[dict[str, Any]]:
    """The JSON bodies the page posts to ``path`` from now on (a list that grows)."""
    bodies: list[dict[str, Any]] = []
    page.on("request", lambda request: bodies.append(json.loads(request.post_data))
            if request.url.endswith(path) and request.method == "POST" else None)
    return bodies


def shown(page: Any, selector: str) -> float:
    """A number the page shows: its full value (data-value), checked against its text."""
    element = page.locator(selector)
    value = float(element.get_attribute("data-value"))
    text = element.inner_text().replace("−", "-")
    assert float(text) == pytest.approx(value, rel=1e-3, abs=1e-12), (selector, text, value)
    return value


def api(page: Any, server_url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = page.request.post(server_url + path, data=body)
    assert response.ok, response.text()
    answer: dict[str, Any] = response.json()
    return answer


def save(page: Any, selector: str, name: str) -> None:
    if os.environ.get("DIGITNET_SAVE_SCREENSHOT"):
        DOCS.mkdir(exist_ok=True)
        page.locator(selector).screenshot(path=str(DOCS / name))


def test_learn_from_a_drawn_seven(page: Any, server_url: str) -> None:
    draw_seven(page)
    opened = sent(page, "/api/backprop")
    page.locator("#bp-open").click()
    page.wait_for_selector("#bp-body:not([hidden])", timeout=10_000)
    example = opened[0]
    assert len(example["pixels"]) == 784 and example["label"] == 7
    nudges = api(page, server_url, "/api/backprop", example)
    assert shown(page, "#bp-cost-value") == nudges["cost"]
    values = page.locator("#bp-outputs .nudge-value")
    assert [float(values.nth(j).get_attribute("data-value")) for j in range(10)] == \
        nudges["output_nudges"]

    # The backward pass flows from the output back to the input, one layer at a time.
    page.locator("#bp-play").click()
    for lit in ("1", "2", "3", "4"):
        page.wait_for_function(f"() => document.getElementById('net').dataset.lit === '{lit}'",
                               timeout=5_000)
    assert page.locator("#net .bp-lit").count() == 784 + 16 + 16 + 10

    # A connection, clicked on the picture: its three factors multiply to dC/dw.
    asked = sent(page, "/api/backprop/connection")
    line = page.locator("#net line.link-hit[data-layer='3']").last
    ends = [float(line.get_attribute(name)) for name in ("x1", "y1", "x2", "y2")]
    box = page.locator("#net").bounding_box()
    scale = box["width"] / 900  # the picture's viewBox is 900 wide
    page.mouse.click(box["x"] + scale * (ends[0] + ends[2]) / 2,
                     box["y"] + scale * (ends[1] + ends[3]) / 2)
    page.wait_for_selector("#chain-grad", timeout=10_000)
    a, sigma_prime, dC_da = (shown(page, f"#chain-{name}") for name in ("a", "sp", "dcda"))
    gradient, numerical = shown(page, "#chain-grad"), shown(page, "#chain-num")
    assert a * sigma_prime * dC_da == pytest.approx(gradient, rel=1e-9, abs=1e-300)
    assert numerical == pytest.approx(gradient, rel=1e-5, abs=1e-12)
    rule = api(page, server_url, "/api/backprop/connection", asked[-1])
    assert asked[-1]["layer"] == 3 and asked[-1]["pixels"] == example["pixels"]
    assert (a, sigma_prime, dC_da, gradient, numerical) == (
        rule["input_activation"], rule["sigma_prime"], rule["activation_gradient"],
        rule["gradient"], rule["numerical"])

    # One step on this example: the cost falls, as the API says.
    page.fill("#bp-eta", "0.5")
    page.locator("#bp-step").click()
    page.wait_for_selector("#bp-cost-after", timeout=10_000)
    before, after = shown(page, "#bp-cost-before"), shown(page, "#bp-cost-after")
    assert after < before
    step = api(page, server_url, "/api/backprop/step", {**example, "learning_rate": 0.5})
    assert (before, after) == (step["cost_before"], step["cost_after"])

    # Every example's wish for that weight, averaged: minus the mini-batch gradient.
    page.fill("#bp-k", "300")
    page.locator("#bp-batch").click()
    page.wait_for_selector("#bp-average", timeout=10_000)
    assert page.locator("#bp-strip .strip-dot").count() == 300
    assert shown(page, "#bp-average") == pytest.approx(-shown(page, "#bp-gradient"), rel=1e-5)

    # One neuron's three ways.
    page.locator('#net circle.neuron[data-layer="2"][data-index="4"]').click()
    page.wait_for_selector("#bp-neuron .wish-title", timeout=10_000)
    assert page.locator("#bp-neuron ol li").count() == 10
    assert page.locator("#bp-neuron .wish-bars").count() == 2
    save(page, "#backprop-panel", "backprop-panel.png")
    save(page, "#net", "backprop-network.png")


def landscape_answer(page: Any, act: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the page asks of /api/landscape when ``act()`` runs, and what it is answered."""
    with page.expect_response(lambda response: response.url.endswith("/api/landscape"),
                              timeout=60_000) as answer:
        act()
    response = answer.value
    assert response.ok, response.text()
    return json.loads(response.request.post_data), response.json()


def test_draw_the_landscape_and_overshoot(page: Any) -> None:
    asked, answer = landscape_answer(page, page.locator("#gd-draw").click)
    page.wait_for_selector("#gd-map-wrap[data-state='ready']", timeout=10_000)
    assert asked["learning_rate"] == 3.0 and asked["reach"] is None  # the recipe's own rate
    assert page.locator("#gd-paths polyline").count() == 2
    assert page.locator("#gd-paths circle").count() == 2 * 31
    full = answer["walks"][0]["costs"]
    assert full[-1] < full[0]  # the walk went downhill
    caption = page.locator("#gd-caption").inner_text().replace("−", "-")
    assert f"Full-batch gradient descent: {full[0]:.4g}" in caption
    save(page, "#descent-panel", "backprop-landscape.png")
    save(page, "#gd-map-wrap", "backprop-good-steps.png")
    reach = answer["alphas"][-1]
    for slider, eta, name in (("-1", 0.1, "small"), ("2", 100.0, "overshooting")):
        asked, answer = landscape_answer(page, lambda s=slider: page.locator("#gd-eta").fill(s))
        assert asked["learning_rate"] == eta and asked["reach"] == reach  # on the same scale
        assert answer["alphas"][-1] == reach and answer["walks"][0]["costs"][-1] != full[-1]
        page.wait_for_function("() => document.getElementById('gd-caption').textContent"
                               f".startsWith('η = {eta:g},')", timeout=10_000)
        save(page, "#gd-map-wrap", f"backprop-{name}-steps.png")
