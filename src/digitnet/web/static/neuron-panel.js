// One neuron, the one clicked in the network: its bias, its weighted sum z and its activation
// a, and what it looks for (its incoming weights, as a picture when they come from the pixels).

import { neuronWeights } from "./api.js";
import { byId, fill, h } from "./dom.js";
import { percent, signed } from "./format.js";
import { drawWeights } from "./pictures.js";

const i = (text) => h("i", {}, text);  // a letter of the formulas: b, z, a, w·a
const TOP_WEIGHTS = 6;  // incoming weights listed for a neuron that is not fed by the pixels

function inputNeuron(index, side, a) {
  return [
    h("h3", {}, `Input neuron ${index}`),
    h("p", {}, `Pixel row ${Math.floor(index / side)}, column ${index % side}. Its activation ` +
      "is just the pixel's brightness, ", i("a"), ` = ${a.toFixed(3)}. Input neurons have no ` +
      "weights and no bias: they hold the picture."),
  ];
}

function table(rows) {
  return h("table", {}, rows.map(([name, formula, value]) =>
    h("tr", {}, h("th", {}, name), h("td", {}, formula), h("td", { class: "num" }, value))));
}

/** The strongest incoming weights w_jk and, with a prediction, the activations a_k they meet. */
function strongestWeights(layer, weights, previous) {
  const top = weights.map((w, j) => [w, j])
    .sort((u, v) => Math.abs(v[0]) - Math.abs(u[0])).slice(0, TOP_WEIGHTS);
  return [
    h("p", { class: "caption" }, `Its strongest incoming weights, from layer ${layer - 1}:`),
    h("ul", { class: "weights" }, top.map(([w, j]) => h("li", {},
      h("span", { class: w >= 0 ? "pos" : "neg" }, signed(w)), ` from neuron ${j}`,
      previous ? [" (now ", i("a"), ` = ${previous[j].toFixed(2)})`] : null))),
  ];
}

export class NeuronPanel {
  constructor() {
    this.info = byId("neuron-info");
    this.mapBox = byId("weight-map-box");
    this.map = byId("weight-map");
    this.cache = new Map();  // "layer/index" -> the neuron's weights (they never change)
  }

  async weights(layer, index) {
    const key = `${layer}/${index}`;
    if (!this.cache.has(key)) this.cache.set(key, await neuronWeights(layer, index));
    return this.cache.get(key);
  }

  async render(state) {
    const selected = state.selected, p = state.prediction;
    if (!selected || !state.model) return;
    const { layer, index } = selected;
    if (layer === 0) {
      const a = p ? p.layers[0].activations[index] : 0;
      fill(this.info, inputNeuron(index, state.model.image_side, a));
      this.mapBox.hidden = true;
      return;
    }
    let neuron;
    try {
      neuron = await this.weights(layer, index);
    } catch (error) {
      this.info.textContent = error.message;
      return;
    }
    if (state.selected !== selected) return;  // another neuron was clicked meanwhile
    fill(this.info, this.describe(state.model, p, layer, index, neuron));
  }

  describe(model, p, layer, index, neuron) {
    const output = layer === model.layers.length - 1;
    const fn = output ? model.output_activation : model.activation;
    const z = p ? p.layers[layer].z[index] : null, a = p ? p.layers[layer].activations[index] : null;
    const rows = [
      ["bias", i("b"), signed(neuron.bias)],
      ["weighted sum", [i("z"), " = Σ ", i("w·a"), " + ", i("b")], z === null ? "—" : signed(z)],
      ["activation", [i("a"), ` = ${fn}(`, i("z"), ")"], a === null ? "—" : a.toFixed(3)],
    ];
    if (output && p) rows.push(["probability", `that it is a ${index}`, percent(p.probabilities[index])]);
    const title = output ? `Output neuron ${index} (the digit ${index})`
      : `Hidden layer ${layer}, neuron ${index}`;
    const parts = [h("h3", {}, title), table(rows)];
    if (neuron.image_side) {
      drawWeights(this.map, neuron.weights, neuron.image_side);
      this.mapBox.hidden = false;
    } else {
      this.mapBox.hidden = true;
      parts.push(...strongestWeights(layer, neuron.weights,
        p ? p.layers[layer - 1].activations : null));
    }
    return parts;
  }
}
