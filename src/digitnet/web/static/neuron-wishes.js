// One neuron, clicked in the network, while the "How it learns" panel is open: the three ways
// this example would like to change its activation, with numbers (POST /api/backprop with the
// neuron): its bias (−δ), its weights in proportion to the activations they multiply (−δ·aₖ,
// largest first; click one for its chain rule), and the layer before in proportion to the
// weights (−wₖ·δ), beside the same wishes added up over every neuron of its layer.

import * as api from "./api.js";
import { current, neuronName } from "./backprop-state.js";
import { fill, h, svg } from "./dom.js";
import { precise } from "./format.js";
import { drawWeights } from "./pictures.js";

const i = (text) => h("i", {}, text);

/** Bars for the neurons of the layer before that the network picture shows. */
function bars(values, shown) {
  const width = 300, height = 54, step = width / shown.length, mid = height / 2;
  const scale = Math.max(1e-30, ...shown.map((k) => Math.abs(values[k])));
  return svg("svg", { class: "wish-bars", viewBox: `0 0 ${width} ${height}` },
    svg("line", { class: "axis", x1: 0, x2: width, y1: mid, y2: mid }),
    shown.map((k, n) => {
      const v = values[k] / scale, size = Math.abs(v) * (mid - 2);
      return svg("rect", { class: v >= 0 ? "pos" : "neg", x: n * step + 1,
        width: Math.max(1, step - 2), y: v >= 0 ? mid - size : mid, height: size },
      svg("title", {}, `neuron ${k}: ${precise(values[k])}`));
    }));
}

/** A small picture of one wish per pixel (orange: brighter, blue: darker). */
function picture(values, side) {
  const canvas = h("canvas", { class: "wish-map" });
  drawWeights(canvas, values, side);
  return canvas;
}

export class NeuronWishesView {
  /** ``onConnect(connection)`` asks for a weight's chain rule; ``changed()`` redraws. */
  constructor(element, { onConnect, changed }) {
    this.element = element;
    this.changed = changed;
    this.asked = null;  // { bp, key }: the last neuron asked about, so it is asked once
    element.addEventListener("click", (event) => {
      const button = event.target.closest(".link-button");
      if (button) {
        const { layer, neuron, input } = button.dataset;
        onConnect({ layer: Number(layer), neuron: Number(neuron), input: Number(input) });
      }
    });
  }

  render(state) {
    const bp = current(state), selected = state.selected;
    if (!bp) return;
    if (!selected || selected.layer === 0) {
      fill(this.element, selected
        ? "Pixels are not learned: their nudges, lit on the input grid above, are where the " +
          "backward pass ends. Click a hidden or output neuron."
        : "Click a neuron in the network above.");
      return;
    }
    const key = `${selected.layer}/${selected.index}`;
    if (bp.wishesKey !== key) {
      if (this.asked?.bp !== bp || this.asked?.key !== key) this.fetch(bp, selected, key);
      return;
    }
    fill(this.element, this.describe(state, bp.wishes));
  }

  async fetch(bp, selected, key) {
    this.asked = { bp, key };
    this.element.textContent = "Asking backpropagation…";
    try {
      const neuron = { layer: selected.layer, neuron: selected.index };
      const answer = await api.backprop(bp.example, neuron);
      bp.wishes = answer.wishes;
      bp.wishesKey = key;
      this.changed();
    } catch (error) {
      this.element.textContent = error.message;
    }
  }

  describe(state, w) {
    const model = state.model, before = state.prediction.layers[w.layer - 1];
    return [
      h("p", { class: "wish-title" }, h("b", {}, neuronName(model, w.layer, w.neuron)), ": ",
        i("a"), ` = ${precise(w.activation)}, its error `, i("δ = ∂C/∂z"), " = ",
        h("span", { id: "bp-delta", "data-value": w.delta }, precise(w.delta)), "."),
      h("p", {}, h("b", {}, "① its bias: "), i("−∂C/∂b = −δ"), " = ",
        h("span", { class: w.bias_nudge >= 0 ? "pos" : "neg" }, precise(w.bias_nudge))),
      h("p", {}, h("b", {}, "② its weights"), ", in proportion to the activation each one " +
        "multiplies (the brightest neurons before matter most): ", i("−δ·aₖ"), ":"),
      h("ol", { class: "wish-weights" }, w.weight_nudges.map(([k, nudge]) => h("li", {},
        h("button", { type: "button", class: "link-button", "data-layer": w.layer,
          "data-neuron": w.neuron, "data-input": k,
          title: "show this weight's chain rule" }, neuronName(model, w.layer - 1, k)),
        ` (aₖ = ${precise(before.activations[k], 3)}): `,
        h("span", { class: nudge >= 0 ? "pos" : "neg" }, precise(nudge, 3))))),
      h("p", {}, h("b", {}, "③ the layer before"), ", in proportion to the weights: ",
        i("−wₖ·δ"), " (left); every neuron of this layer wishes the same way, and their " +
        "wishes added up, ", i("−Σⱼ wⱼₖ δⱼ = −∂C/∂aₖ"), " (right), are what the layer " +
        "before is asked for: the same reasoning, one layer back."),
      this.previous(state, w),
    ];
  }

  previous(state, w) {
    const side = state.model.image_side, row = h("div", { class: "wish-row" });
    if (w.layer === 1 && side) {
      row.append(picture(w.activation_nudges, side), picture(w.summed_nudges, side));
    } else {
      const shown = state.prediction.layers[w.layer - 1].shown;
      row.append(bars(w.activation_nudges, shown), bars(w.summed_nudges, shown));
    }
    return row;
  }
}
