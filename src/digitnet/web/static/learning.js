// How the network learns, on the page: the "How it learns from this example" panel (what one
// example wants, the backward pass lit on the network picture, one neuron's three ways, the
// chain rule of one connection, one step, every example's wish) and the "Gradient descent"
// panel. Every number comes from the JSON API, where digitnet.explain computes it with the
// network's own backpropagation; these modules only ask and draw.
//
// main.js gives two functions: ``state()`` returns the page's one state object (read when a
// button is pressed) and ``changed()`` redraws the page from it.

import * as api from "./api.js";
import { AllExamples } from "./all-examples.js";
import { current, depth } from "./backprop-state.js";
import { ChainRuleView } from "./chain-rule.js";
import { byId, fill, h } from "./dom.js";
import { ErrorOverlay } from "./error-overlay.js";
import { LandscapePanel } from "./landscape-panel.js";
import { NeuronWishesView } from "./neuron-wishes.js";
import { NudgeChart } from "./nudge-chart.js";
import { OneStep } from "./one-step.js";

const FRAME = 700;  // milliseconds per layer when the backward pass is played

/** The example shown, as the API takes it: a test image by its index, else its 784 pixels. */
function exampleOf(state, label) {
  if (state.source === "test" && state.detail) return { test_index: state.detail.index, label };
  return { pixels: state.prediction.layers[0].activations, label };
}

/** What the lit layers of the backward pass show, in the book's equations. */
function passStage(bp) {
  const L = depth(bp), lit = bp.lit;
  if (lit === 0) return "The forward pass is done and the cost is known; nothing flows back yet.";
  if (lit === 1) {
    return `The output layer: its error δ${sup(L)} = ∂C/∂a ⊙ σ′(z) (BP1), how far each output ` +
      "is from what we want, times how easily it moves.";
  }
  if (lit <= L) {
    const l = L - lit + 1;
    return `Hidden layer ${l}: δ${sup(l)} = (W${sup(l + 1)})ᵀ δ${sup(l + 1)} ⊙ σ′(z${sup(l)}) ` +
      "(BP2): the wishes of the layer after, added up, times how easily each neuron moves.";
  }
  return "And the input: −∂C/∂x, how this example would like its pixels changed. Pixels are " +
    "not learned; every weight and bias is, by its error: ∂C/∂b = δ (BP3), ∂C/∂w = aᵢₙ δ (BP4).";
}

const SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹";
const sup = (n) => String(n).split("").map((d) => SUPERSCRIPTS[Number(d)]).join("");

/** The right digit to start from: a test image's label, else the network's own answer. */
const defaultLabel = (state) =>
  (state.source === "test" && state.detail ? state.detail.label : state.prediction.digit);

export class LearningPanels {
  constructor({ state, changed }) {
    this.state = state;
    this.changed = changed;
    this.body = byId("bp-body");
    this.caption = byId("bp-caption");
    this.pass = byId("bp-pass");
    this.label = byId("bp-label");
    this.note = null;  // { prediction, text }: "asking…" or a problem, about that prediction
    this.timer = null;
    const connect = (connection) => this.connect(connection);
    this.views = [
      this, new ErrorOverlay(byId("net"), { onConnect: connect }),
      new NudgeChart(byId("bp-outputs"), byId("bp-cost")),
      new NeuronWishesView(byId("bp-neuron"), { onConnect: connect, changed }),
      new ChainRuleView(byId("bp-chain")), new OneStep({ state, changed }),
      new AllExamples({ state, changed }),
      new LandscapePanel({ state, changed }),
    ];
    this.selectionViews = this.views.slice(0, 4);  // what a click on a neuron redraws
    byId("bp-open").addEventListener("click", () => this.open());
    this.label.addEventListener("change", () => this.open(Number(this.label.value)));
    byId("bp-play").addEventListener("click", () => this.play());
  }

  /** Ask what the example shown wants (with ``label`` as the right digit). */
  async open(label = null) {
    const state = this.state();
    if (!state.prediction) return;
    const prediction = state.prediction, right = label ?? defaultLabel(state);
    const example = exampleOf(state, right);
    this.note = { prediction, text: "Asking backpropagation…" };
    this.changed();
    try {
      const result = await api.backprop(example);
      this.note = null;
      if (state.prediction !== prediction) return;  // another input meanwhile
      state.backprop = { prediction, example, result, lit: result.errors.length + 1,
        wishes: null, wishesKey: null, connection: null, chain: null, step: null, batch: null };
    } catch (error) {
      this.note = { prediction, text: error.message };
    }
    this.changed();
  }

  /** Light the errors layer by layer, from the output back to the input. */
  play() {
    const bp = current(this.state());
    if (!bp) return;
    clearInterval(this.timer);
    bp.lit = 0;
    byId("net").scrollIntoView({ behavior: "smooth", block: "center" });
    this.timer = setInterval(() => {
      bp.lit += 1;
      if (bp.lit >= depth(bp) + 1) clearInterval(this.timer);
      this.changed();
    }, FRAME);
    this.changed();
  }

  /** A connection was clicked: ask for its chain rule. */
  async connect(connection) {
    const bp = current(this.state());
    if (!bp) return;
    bp.connection = connection;
    bp.chain = null;
    this.changed();
    const { layer, neuron, input } = connection;
    let chain;
    try {
      chain = await api.chainRule(bp.example, layer, neuron, input);
    } catch (error) {
      chain = { problem: error.message };
    }
    if (bp.connection === connection) { bp.chain = chain; this.changed(); }
  }

  render(state) {
    if (state.model && this.label.options.length !== state.model.outputs) {
      fill(this.label, [...Array(state.model.outputs).keys()].map((d) => h("option", {}, d)));
    }
    const bp = current(state);
    this.body.hidden = !bp;
    if (!bp) {
      const note = this.note && this.note.prediction === state.prediction ? this.note.text : null;
      this.caption.textContent = note ?? (state.prediction
        ? "Open it to see what this example asks of every weight and bias."
        : "Draw a digit or show a test image, then open this panel.");
      return;
    }
    this.label.value = String(bp.example.label);
    const where = bp.example.test_index !== undefined
      ? `test image #${bp.example.test_index}` : "the picture shown";
    this.caption.textContent = `For ${where}, if the right answer is ${bp.example.label}: ` +
      `every number below is the network's own backpropagation.`;
    fill(this.pass, passStage(bp), h("br"), "On the network above, each lit neuron shows the ",
      "nudge its weighted sum wants, −δ: ", h("span", { class: "pos" }, "orange up"), ", ",
      h("span", { class: "neg" }, "blue down"), ", brighter for more (each layer on its own ",
      "scale: the errors shrink as they flow back). Click any line for its chain rule.");
  }
}
