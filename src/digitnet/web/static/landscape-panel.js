// The "Gradient descent" panel: the learner chooses the learning rate, the mini-batch size,
// the number of steps, the slice and the start; the server (POST /api/landscape) measures the
// cost on a grid over a plane through the parameters and walks downhill twice from the same
// start; the page draws the map, the two paths and their costs. After the first drawing, every
// change of a control draws it again (one request at a time; the newest choice wins). A new
// learning rate, mini-batch size or number of steps keeps the map's scale (the last answer's
// reach), so that the walks can be compared: small steps go less far, large ones leave the map.

import * as api from "./api.js";
import { curveParts, drawMap, walkParts } from "./contour.js";
import { byId, fill } from "./dom.js";
import { precise } from "./format.js";

const LARGE = 100_000;  // parameters above which the defaults ask for less work
const CURVE = [420, 250];
const SAME_SCALE = new Set(["gd-eta", "gd-batch", "gd-steps"]);  // changes that keep the scale

export class LandscapePanel {
  constructor({ state, changed }) {
    this.state = state;
    this.changed = changed;
    this.wrap = byId("gd-map-wrap");
    this.map = byId("gd-map");
    this.paths = byId("gd-paths");
    this.curve = byId("gd-curve");
    this.caption = byId("gd-caption");
    this.eta = byId("gd-eta");
    this.etaValue = byId("gd-eta-value");
    this.controls = ["gd-batch", "gd-steps", "gd-examples", "gd-directions", "gd-start"].map(byId);
    this.defaulted = false;
    this.shown = null;   // the result drawn now (the map is redrawn only for a new one)
    this.busy = false;
    this.again = null;   // a control changed while a drawing was on its way: { sameScale }
    this.eta.addEventListener("input", () => this.showRate());
    byId("gd-draw").addEventListener("click", () => this.draw(false));
    byId("gd-form").addEventListener("change", (event) => {
      if (this.state().landscape) this.draw(SAME_SCALE.has(event.target.id));
    });
  }

  /** η = 10^slider, to three significant digits (the number shown is the one sent). */
  rate() {
    return Number((10 ** Number(this.eta.value)).toPrecision(3));
  }

  showRate() {
    this.etaValue.textContent = String(this.rate());
  }

  /** The request: the controls' values, and the last map's reach when its scale is kept. */
  options(model, reach) {
    const [batch, steps, examples, directions, start] = this.controls.map((c) => c.value);
    return { learning_rate: this.rate(), mini_batch_size: Number(batch),
      steps: steps === "" ? null : Number(steps), examples: Number(examples), directions, start,
      grid: model.num_parameters > LARGE ? 15 : 21, seed: 0, reach };
  }

  async draw(sameScale) {
    if (this.busy) { this.again = { sameScale }; return; }
    const state = this.state(), model = state.model, last = state.landscape;
    if (!model) return;
    const reach = sameScale && last && last.model === model ? last.result.alphas.at(-1) : null;
    this.busy = true;
    this.wrap.dataset.state = "busy";
    this.caption.textContent = "Walking downhill and measuring the cost on the grid…";
    try {
      const result = await api.landscape(this.options(model, reach));
      state.landscape = { model, result, kept: reach !== null };
      this.changed();
    } catch (error) {
      this.wrap.dataset.state = "problem";
      this.caption.textContent = error.message;
    }
    this.busy = false;
    const again = this.again;
    this.again = null;
    if (again) this.draw(again.sameScale);
  }

  /** Defaults for this network: its own learning rate when it was trained with plain SGD. */
  defaults(model) {
    const training = model.metadata?.training;
    const eta = training && training.optimizer === "sgd" ? training.learning_rate : 0.5;
    this.eta.value = String(Math.log10(eta));
    if (model.num_parameters > LARGE) {  // walks record every parameter: fewer of everything
      byId("gd-steps").value = "";
      byId("gd-steps").placeholder = "auto";
      byId("gd-examples").value = "200";
    }
    this.showRate();
    this.defaulted = true;
  }

  render(state) {
    if (state.model && !this.defaulted) this.defaults(state.model);
    const tests = state.model?.test_set;
    byId("gd-draw").disabled = !tests?.available;
    if (tests && !tests.available) {  // the cost is measured on the server's test images
      this.caption.textContent = `The landscape needs the test set: ${tests.reason}.`;
    }
    const drawn = state.landscape;
    if (!drawn || drawn.model !== state.model || drawn.result === this.shown) return;
    this.shown = drawn.result;
    const r = drawn.result, [full, sgd] = r.walks, size = this.map.width;
    drawMap(this.map, r.costs);
    fill(this.paths, walkParts(r, size));
    this.curve.setAttribute("viewBox", `0 0 ${CURVE[0]} ${CURVE[1]}`);
    fill(this.curve, curveParts(r.walks, ...CURVE).flat());
    const end = (walk) => `${precise(walk.costs[0], 4)} → ${precise(walk.costs.at(-1), 4)}`;
    this.caption.textContent = `η = ${r.learning_rate}, ${r.steps} steps, cost measured on ` +
      `${r.examples} test images. Full-batch gradient descent: ${end(full)}. SGD with ` +
      `mini-batches of ${r.mini_batch_size}: ${end(sgd)}. The map is the cost on a slice ` +
      `(${r.directions === "pca" ? "the plane the walks move most in" : "two random directions"}` +
      "), so a path may cross its contour lines where it leaves the slice." +
      (drawn.kept ? " Same scale as the map before: compare how far the walks go." : "");
    this.wrap.dataset.state = "ready";
  }
}
