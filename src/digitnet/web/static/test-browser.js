// The test-set browser: real MNIST test images the network never learned from, its mistakes
// first. ◀ and ▶ step through them; clicking the picture (or stepping) shows it in the network.

import { testItem } from "./api.js";
import { byId, fill, h } from "./dom.js";
import { percent } from "./format.js";
import { drawGray } from "./pictures.js";

export class TestBrowser {
  /** ``onShow(item)`` shows a test item's prediction in the rest of the page. */
  constructor({ onShow }) {
    this.onShow = onShow;
    this.body = byId("tests-body");
    this.image = byId("test-image");
    this.caption = byId("test-caption");
    this.info = null;  // GET /api/model's test_set
    this.side = undefined;
    this.position = 0;
    byId("test-prev").addEventListener("click", () => this.load(this.position - 1, true));
    byId("test-next").addEventListener("click", () => this.load(this.position + 1, true));
    this.image.addEventListener("click", () => this.load(this.position, true));
  }

  /** Begin with the first mistake, or say why there is no test set (``info`` null: no model). */
  start(info, side) {
    if (!info || !info.available) {
      fill(this.body, h("p", { class: "caption" },
        `The test set is unavailable: ${info ? info.reason : "no model"}.`));
      return;
    }
    this.info = info;
    this.side = side;
    this.load(0, false);
  }

  async load(position, showInNetwork) {
    const info = this.info;
    if (!info) return;
    position = (position + info.count) % info.count;
    try {
      const item = await testItem(position);
      this.position = position;
      drawGray(this.image, item.prediction.layers[0].activations, this.side);
      fill(this.caption, this.describe(item, position));
      if (showInNetwork) this.onShow(item);
    } catch (error) {
      this.caption.textContent = error.message;
    }
  }

  describe(item, position) {
    const info = this.info;
    const group = position < info.misclassified
      ? `mistake ${position + 1} of ${info.misclassified}`
      : `correct, ${position + 1 - info.misclassified} of ${info.count - info.misclassified}`;
    return [
      h("b", {}, `#${item.index}`), ": labelled ", h("b", {}, String(item.label)),
      ", the network says ", h("b", { class: item.correct ? "right" : "wrong" },
        String(item.predicted)),
      ` (${group}; accuracy ${percent(info.accuracy)} on ${info.count.toLocaleString()} images)`,
    ];
  }
}
