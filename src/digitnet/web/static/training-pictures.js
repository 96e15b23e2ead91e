// What the network being trained looks like after each epoch: the incoming weights of the
// first layer's first neurons as 28x28 pictures (noise at first, then strokes), and its answers
// on ten fixed test digits, one of each.

import { fill, h } from "./dom.js";
import { drawGray, drawWeights } from "./pictures.js";

/** The first layer's weights, one small picture per neuron. */
export class WeightPictures {
  constructor(element) {
    this.element = element;
    this.canvases = [];
    this.drawn = null;
  }

  render({ training }) {
    const latest = training.latest;
    if (latest === this.drawn) return;
    this.drawn = latest;
    if (!latest || !training.run) { fill(this.element); this.canvases = []; return; }
    const side = Math.round(Math.sqrt(latest.weights[0]?.length ?? 0));
    if (this.canvases.length !== latest.weights.length) {
      this.canvases = latest.weights.map((_, j) =>
        h("canvas", { width: side, height: side, class: "weight-picture",
                      title: `hidden neuron ${j}: its ${side * side} incoming weights` }));
      fill(this.element, this.canvases);
    }
    latest.weights.forEach((weights, j) => drawWeights(this.canvases[j], weights, side));
    this.element.dataset.epoch = String(training.epochs.length);
  }
}

/** The ten fixed test digits and what the network answers for each. */
export class TestDigits {
  constructor(element) {
    this.element = element;
    this.run = null;
    this.cells = [];
    this.drawn = null;
  }

  build(run) {
    this.run = run;
    const { images, labels } = run.digits;
    this.cells = labels.map((label, i) => {
      const canvas = h("canvas", { class: "digit-picture", "aria-label": `a test ${label}` });
      drawGray(canvas, images[i]);
      const answer = h("span", { class: "digit-answer" }, "?");
      return { label, answer, figure: h("figure", {}, canvas, answer) };
    });
    fill(this.element, this.cells.map((cell) => cell.figure));
  }

  render({ training }) {
    if (training.run !== this.run) {
      if (training.run) this.build(training.run); else { fill(this.element); this.run = null; }
    }
    const latest = training.latest;
    if (!latest || latest === this.drawn || !training.run) return;
    this.drawn = latest;
    this.cells.forEach((cell, i) => {
      const said = latest.answers[i], right = said === cell.label;
      cell.answer.textContent = `${said} ${right ? "✓" : "✗"}`;
      cell.answer.title = `output activation ${latest.outputs[i][said].toFixed(3)}`;
      cell.answer.className = `digit-answer ${right ? "right" : "wrong"}`;
    });
    const right = this.cells.filter((cell, i) => latest.answers[i] === cell.label).length;
    this.element.dataset.right = String(right);
  }
}
