// The chain rule for one connection, with this example's numbers (POST
// /api/backprop/connection): nudging the weight w changes z, which changes a, which changes
// the cost, so ∂C/∂w = ∂z/∂w · ∂a/∂z · ∂C/∂a = aₖ · σ′(zⱼ) · ∂C/∂aⱼ. Beside it, the central
// difference (C(w + ε) − C(w − ε)) / 2ε, computed by the server in float64 without any
// backpropagation. Each number keeps its full value in data-value.

import { current, neuronName } from "./backprop-state.js";
import { fill, h } from "./dom.js";
import { precise } from "./format.js";

const i = (text) => h("i", {}, text);
const DIGITS = 6;

/** A number of the rule: shown to DIGITS significant digits, its whole value in data-value. */
const value = (id, x) => h("span", { id, class: "num", "data-value": x }, precise(x, DIGITS));
const activationRow = (c) => ["∂z/∂w", ["= ", i("aₖ"), ", the activation it multiplies"],
  value("chain-a", c.input_activation)];

function factors(c, output) {
  if (c.sigma_prime === null) {  // a softmax output: da/dz is a matrix, only δ is a number
    return [
      activationRow(c),
      ["∂C/∂z", ["= ", i("δⱼ"), ": softmax mixes all ten outputs, so ∂a/∂z is a matrix and only ",
        "their product is one number"], value("chain-delta", c.error)],
    ];
  }
  const cost = output ? "from the cost itself (a − y for the quadratic cost)"
    : "the wishes of the layer after, added up: Σᵢ wᵢⱼ σ′(zᵢ) ∂C/∂aᵢ";
  return [
    activationRow(c),
    ["∂a/∂z", ["= ", i("σ′(zⱼ)"), `, with zⱼ = ${precise(c.weighted_input, 4)}`],
      value("chain-sp", c.sigma_prime)],
    ["∂C/∂a", ["= ", i("∂C/∂aⱼ"), ", ", cost], value("chain-dcda", c.activation_gradient)],
  ];
}

export class ChainRuleView {
  constructor(element) {
    this.element = element;
  }

  render(state) {
    const bp = current(state);
    if (!bp || !bp.connection) return;
    const c = bp.chain;
    if (!c || c.problem) {
      this.element.textContent = c ? c.problem : "Asking for the chain rule…";
      return;
    }
    const model = state.model, output = c.layer === model.layers.length - 1;
    const rows = factors(c, output).map(([name, what, number]) =>
      h("tr", {}, h("th", {}, name), h("td", {}, what), h("td", { class: "num" }, number)));
    rows.push(h("tr", { class: "product" }, h("th", {}, "∂C/∂w"),
      h("td", {}, "their product, from backpropagation"),
      h("td", { class: "num" }, value("chain-grad", c.gradient))));
    rows.push(h("tr", {}, h("th", {}, "estimate"),
      h("td", {}, "(C(w + ε) − C(w − ε)) / 2ε, ε = 10⁻⁶, no backpropagation at all"),
      h("td", { class: "num" }, value("chain-num", c.numerical))));
    fill(this.element,
      h("p", {}, "The weight ", i("w"), ` = ${precise(c.weight, 4)} from `,
        h("b", {}, neuronName(model, c.layer - 1, c.input)), " to ",
        h("b", {}, neuronName(model, c.layer, c.neuron)), ". Nudging it moves ", i("z"),
        ", which moves ", i("a"), ", which moves the cost:"),
      h("p", { class: "formula" }, "∂C/∂w = ∂z/∂w · ∂a/∂z · ∂C/∂a"),
      h("table", { class: "chain" }, rows),
      h("p", {}, `They agree to a relative difference of ${precise(c.relative_error, 2)}.`,
        output ? "" : " The last factor is where the chain continues, back through every " +
        "layer after this one."));
  }
}
