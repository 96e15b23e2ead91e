// What one example wants of the ten outputs: each output's activation as a bar, the wanted
// value y (1 for the right digit, 0 for the others) as a tick, and an arrow for its nudge
// −∂C/∂a, pointing the way the cost wants it to move, as long as it is large (all ten on one
// scale). Beside them, the cost of this one example.

import { current } from "./backprop-state.js";
import { fill, h, svg } from "./dom.js";
import { precise } from "./format.js";

const WIDTH = 420, ROW = 26, LEFT = 72, BAR = 210, ARROW = 56;

function row(j, a, y, nudge, scale, right) {
  const top = 8 + j * ROW, mid = top + 9, end = LEFT + BAR * Math.min(1, Math.max(0, a));
  const length = nudge === 0 ? 0 : Math.max(4, ARROW * Math.abs(nudge) / scale);
  const tip = end + Math.sign(nudge) * length, head = Math.sign(nudge) * 6;
  return [
    svg("text", { class: `nudge-digit${right ? " right" : ""}`, x: 4, y: mid + 5 }, String(j)),
    svg("rect", { class: "nudge-track", x: LEFT, y: top, width: BAR, height: 18, rx: 3 }),
    svg("rect", { class: "nudge-bar", x: LEFT, y: top, width: Math.max(0, end - LEFT),
      height: 18, rx: 3 }),
    svg("line", { class: "nudge-wanted", x1: LEFT + BAR * y, x2: LEFT + BAR * y, y1: top - 2,
      y2: top + 20 }),
    length ? svg("path", { class: `nudge-arrow ${nudge > 0 ? "up" : "down"}`,
      d: `M${end},${mid} L${tip},${mid} M${tip - head},${mid - 5} L${tip},${mid} ` +
        `L${tip - head},${mid + 5}` }) : null,
    svg("text", { class: "nudge-value", x: LEFT + BAR + ARROW + 14, y: mid + 4,
      "data-digit": j, "data-value": nudge }, precise(nudge, 3)),
  ];
}

export class NudgeChart {
  constructor(element, caption) {
    this.element = element;
    this.caption = caption;
  }

  render(state) {
    const bp = current(state);
    if (!bp) return;
    const { outputs, wanted, output_nudges: nudges, cost, label } = bp.result;
    const scale = Math.max(1e-30, ...nudges.map(Math.abs));
    this.element.setAttribute("viewBox", `0 0 ${WIDTH} ${16 + ROW * outputs.length}`);
    fill(this.element,
      outputs.flatMap((a, j) => row(j, a, wanted[j], nudges[j], scale, j === label)));
    fill(this.caption,
      "Bars: the outputs ", h("i", {}, "a"), "; ticks: what we want, ", h("i", {}, "y"),
      ` (1 for the ${label}, 0 for the rest); arrows and numbers: each output's nudge `,
      h("i", {}, "−∂C/∂a"), ", in proportion to how far it is from what we want. ",
      "This example's cost ", h("i", {}, "C"), " = ",
      h("b", { id: "bp-cost-value", "data-value": cost }, precise(cost)), ".",
      state.model.output_activation === "softmax" ? " With softmax outputs and cross-entropy " +
        "the cost looks only at the right digit's output; the softmax then pulls the others " +
        "down, as their errors δ on the network show." : "");
  }
}
