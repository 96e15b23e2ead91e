// All examples (POST /api/backprop/batch): every one of k test images wants its own nudge of
// the chosen weight (the connection last clicked) or bias (the neuron selected), one dot each,
// in the row of its digit. Their average is the step that gradient descent takes: minus the
// gradient of the mini-batch's cost, computed by one backward pass over all k at once.

import * as api from "./api.js";
import { current, neuronName } from "./backprop-state.js";
import { byId, fill, h, svg } from "./dom.js";
import { precise } from "./format.js";

const WIDTH = 560, ROW = 16, LEFT = 24, TOP = 20;

/** The weight chosen (a connection) or else the selected neuron's bias, or null. */
function parameterOf(state, bp) {
  if (bp.connection) return { ...bp.connection };
  const s = state.selected;
  return s && s.layer > 0 ? { layer: s.layer, neuron: s.index, input: null } : null;
}

function describe(model, p) {
  const into = neuronName(model, p.layer, p.neuron);
  return p.input === null ? `the bias of ${into}`
    : `the weight from ${neuronName(model, p.layer - 1, p.input)} to ${into}`;
}

/** One dot per example, in its digit's row; the zero line and the average as lines. */
function strip(batch, rows) {
  const scale = Math.max(1e-30, ...batch.nudges.map(Math.abs)), half = (WIDTH - LEFT - 8) / 2;
  const x = (v) => LEFT + half + half * v / scale, height = TOP + ROW * rows + 8;
  return [
    ["viewBox", `0 0 ${WIDTH} ${height}`],
    [...Array(rows).keys()].map((d) => svg("text", { class: "strip-digit", x: 8,
      y: TOP + ROW * d + 12 }, String(d))),
    svg("line", { class: "axis", x1: x(0), x2: x(0), y1: TOP - 4, y2: height - 4 }),
    batch.nudges.map((v, n) => svg("circle", { class: `strip-dot ${v >= 0 ? "pos" : "neg"}`,
      cx: x(v), cy: TOP + ROW * batch.labels[n] + 4 + (n % 5) * 2, r: 2.6 })),
    svg("line", { class: "strip-average", x1: x(batch.average), x2: x(batch.average),
      y1: TOP - 8, y2: height - 2 }),
    svg("text", { class: "strip-note", x: x(batch.average), y: 11 }, "average"),
  ];
}

export class AllExamples {
  constructor({ state, changed }) {
    this.svg = byId("bp-strip");
    this.caption = byId("bp-batch-caption");
    this.k = byId("bp-k");
    byId("bp-batch").addEventListener("click", async () => {
      const s = state(), bp = current(s), p = bp && parameterOf(s, bp);
      if (!p) {
        this.caption.textContent = "First click a connection, or a neuron for its bias.";
        return;
      }
      this.caption.textContent = "Asking every example…";
      try {
        bp.batch = await api.batchWishes(p.layer, p.neuron, p.input, Number(this.k.value), 0);
        bp.batchOf = describe(s.model, p);
        changed();
      } catch (error) {
        this.caption.textContent = error.message;
      }
    });
  }

  render(state) {
    const tests = state.model?.test_set;
    byId("bp-batch").disabled = !tests?.available;
    if (tests && !tests.available) {  // the examples are the server's test images
      this.caption.textContent = `Every example's wish needs the test set: ${tests.reason}.`;
    }
    const bp = current(state);
    if (!bp || !bp.batch) {
      fill(this.svg);
      return;
    }
    const b = bp.batch, [[name, box], ...parts] = strip(b, state.model.outputs);
    this.svg.setAttribute(name, box);
    fill(this.svg, parts.flat());
    fill(this.caption,
      `For ${bp.batchOf}: ${b.nudges.length} test images, each one's wish `, h("i", {}, "−∂Cₓ/∂w"),
      " (a dot, in the row of its digit). Their average, ",
      h("b", { id: "bp-average", "data-value": b.average }, precise(b.average, 5)),
      ", is the nudge gradient descent gives it: the mini-batch's gradient, from one backward " +
      "pass over all of them, is ", h("i", {}, "∂C/∂w"), " = ",
      h("b", { id: "bp-gradient", "data-value": b.gradient }, precise(b.gradient, 5)),
      ", the same number with the opposite sign.");
  }
}
