// The network's answer: the digit, a sentence about it, the stages that prepared the picture
// and the input exactly as the network received it.

import { byId, fill, h } from "./dom.js";
import { percent } from "./format.js";
import { drawGray, grayDataUrl } from "./pictures.js";

const EMPTY_CAPTION =
  "Draw a digit in the box: the network will tell you which one it thinks it is.";
const stageLabels = (side) => ({
  grayscale: "your drawing", inverted: "white on black", cropped: "cropped to ink",
  scaled: "fit in 20×20", centred: `centred in ${side}×${side}`,
});
const NOT_PREPARED = { noise: "random noise", dream: "a dreamed image", test: "an MNIST test image" };

/** "not sure (maybe 4 or 9)": an answer below the minimum confidence, and why. */
function doubt(prediction) {
  const [first, second] = prediction.maybe;
  return `not sure (maybe ${first} or ${second}): its best guess, ${first}, is ` +
    `${percent(prediction.confidence)} likely, below the minimum confidence of ` +
    `${percent(prediction.min_confidence)}.`;
}

/** One sentence about the answer, for where the input came from (state.source). */
function caption(state) {
  const { prediction, source, detail } = state;
  const d = prediction.digit, p = prediction.confidence;
  if (prediction.sure === false) {
    const sentence = doubt(prediction);
    return source === "noise" ? `Pure random noise, and the network says it is ${sentence}`
      : `${sentence[0].toUpperCase()}${sentence.slice(1)}`;
  }
  if (source === "noise") {
    return `Pure random noise, and the network still says ${d}, ${percent(p)} sure. ` +
      "It was never taught to answer “that is not a digit”.";
  }
  if (source === "dream") {
    const start = detail.probabilities[0];
    return `Starting from noise (${percent(start)} a ${detail.digit}), backpropagation was ` +
      `carried through to the pixels and each step nudged them to make a ${detail.digit} more ` +
      `likely. Now the network is ${percent(detail.probabilities.at(-1))} sure it sees a ` +
      `${detail.digit}, yet it looks nothing like one: the network learned to tell digits ` +
      "apart, not what they look like.";
  }
  if (source === "test") {
    return `Test image #${detail.index}, labelled ${detail.label}: the network says ${d} ` +
      `(${percent(p)}) ${detail.correct ? "✓ right" : "✗ wrong"}.`;
  }
  const ranked = prediction.probabilities.map((q, i) => [q, i]).sort((a, b) => b[0] - a[0]);
  return `The network says ${d}, ${percent(p)} sure` +
    (ranked[1] ? ` (its second guess: ${ranked[1][1]}, ${percent(ranked[1][0])}).` : ".");
}

function figure(src, alt, text, title = null) {
  return h("figure", { title }, h("img", { src, alt }), h("figcaption", {}, text));
}

/** The pictures before the input: the preparation stages, or where a dream started. */
function stages(state, side) {
  const { prediction, source, detail } = state;
  if (source === "dream") {
    const trace = detail.probabilities;
    return [
      figure(grayDataUrl(detail.start, side), "start",
             `the noise it started from: ${percent(trace[0])}`),
      figure(grayDataUrl(detail.image, side), "dream",
             `after ${trace.length - 1} steps: ${percent(trace.at(-1))}`),
    ];
  }
  if (!prediction.stages) {
    const what = NOT_PREPARED[source] || "this input";
    return h("p", { class: "caption" },
             `No preparation needed: ${what} is already ${side}×${side}.`);
  }
  const labels = stageLabels(side);
  return prediction.stages.map((stage) =>
    figure(stage.image, stage.name, labels[stage.name] || stage.name, stage.caption));
}

export class AnswerPanel {
  constructor() {
    this.answer = byId("answer");
    this.caption = byId("answer-caption");
    this.stages = byId("stages");
    this.seen = byId("seen");
  }

  /** Show the prediction in ``state`` (or ask for a digit when there is none). */
  render(state) {
    const side = state.model ? state.model.image_side : undefined;
    if (!state.prediction) {
      this.set("?", "empty", EMPTY_CAPTION);
      fill(this.stages);
      if (state.model) drawGray(this.seen, new Array(state.model.inputs).fill(0), side);
      return;
    }
    const unsure = state.prediction.sure === false;
    this.set(unsure ? "?" : String(state.prediction.digit), "ready", caption(state));
    this.answer.dataset.sure = String(!unsure);
    fill(this.stages, stages(state, side));
    drawGray(this.seen, state.prediction.layers[0].activations, side);
  }

  /** Waiting for an answer: the last one dims and the caption says what is happening. */
  busy(message) {
    this.answer.dataset.state = "busy";
    this.caption.textContent = message;
  }

  /** An answer that is not a prediction (no digit found, the server is unreachable...). */
  problem(message) {
    this.set("?", "empty", message);
  }

  set(text, status, sentence) {
    delete this.answer.dataset.sure;
    this.answer.textContent = text;
    this.answer.dataset.state = status;
    this.caption.textContent = sentence;
  }
}
