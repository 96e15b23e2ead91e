// One step of gradient descent on this one example (POST /api/backprop/step): every weight
// and bias moves against its part of this example's gradient, w ← w − η ∂C/∂w, on a copy of
// the network (the one served does not change). The cost on this example before and after, and
// the ten outputs before and after.

import * as api from "./api.js";
import { current } from "./backprop-state.js";
import { byId, fill, h, svg } from "./dom.js";
import { precise } from "./format.js";

/** The ten outputs before (grey) and after (accent) the step, side by side. */
function outputs(before, after, label) {
  const width = 300, height = 70, step = width / before.length, top = 6, tall = 44;
  return svg("svg", { class: "step-bars", viewBox: `0 0 ${width} ${height}` },
    before.flatMap((a, j) => {
      const b = after[j], x = j * step, clamp = (v) => Math.min(1, Math.max(0, v));
      return [
        svg("rect", { class: "before", x: x + 3, width: step / 2 - 3,
          y: top + tall * (1 - clamp(a)), height: tall * clamp(a) }),
        svg("rect", { class: "after", x: x + step / 2, width: step / 2 - 3,
          y: top + tall * (1 - clamp(b)), height: tall * clamp(b) }),
        svg("text", { class: j === label ? "right" : "", x: x + step / 2, y: height - 6 },
          String(j)),
      ];
    }));
}

export class OneStep {
  constructor({ state, changed }) {
    this.result = byId("bp-step-result");
    this.eta = byId("bp-eta");
    this.defaulted = false;
    byId("bp-step").addEventListener("click", async () => {
      const bp = current(state());
      if (!bp) return;
      this.result.textContent = "Stepping…";
      try {
        bp.step = await api.oneStep(bp.example, Number(this.eta.value));
        changed();
      } catch (error) {
        this.result.textContent = error.message;
      }
    });
  }

  render(state) {
    const config = state.model?.metadata?.training;
    if (!this.defaulted && config) {  // the rate the network was trained with, if plain SGD
      if (config.optimizer === "sgd") this.eta.value = String(config.learning_rate);
      this.defaulted = true;
    }
    const bp = current(state);
    if (!bp || !bp.step) return;
    const s = bp.step, lower = s.cost_after < s.cost_before;
    fill(this.result,
      h("p", {}, `With η = ${s.learning_rate}, this example's cost went from `,
        h("b", { id: "bp-cost-before", "data-value": s.cost_before }, precise(s.cost_before, 5)),
        " to ", h("b", { id: "bp-cost-after", "data-value": s.cost_after,
          class: lower ? "right" : "wrong" }, precise(s.cost_after, 5)),
        lower ? ": downhill." : ": uphill, the step was too large (overshooting)."),
      outputs(s.outputs_before, s.outputs_after, s.label),
      h("p", { class: "caption" }, "The ten outputs before (grey) and after (yellow) the step. " +
        "A step on one example helps that example; training takes the average over many."));
  }
}
