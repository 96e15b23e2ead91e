// Why a run is or is not learning, in words: after every epoch the server diagnoses the
// network (digitnet.diagnostics: saturated and dead neurons, vanishing gradients, steps too
// large, chance level) and this view shows each problem's sentence, and every layer's numbers.

import { fill, h } from "./dom.js";

const COLUMNS = ["layer", "neurons", "saturated", "dead", "‖∂C/∂W‖", "step ‖ΔW‖/‖W‖"];

function layerRow(layer, last) {
  const name = layer.layer === last ? "output" : `hidden ${layer.layer}`;
  return h("tr", {},
    h("td", {}, `${name} (${layer.activation})`),
    h("td", { class: "num" }, layer.neurons),
    h("td", { class: "num" }, layer.saturated),
    h("td", { class: "num" }, layer.dead),
    h("td", { class: "num" }, layer.gradient_norm === null ? "–" : layer.gradient_norm.toExponential(1)),
    h("td", { class: "num" }, layer.update_ratio === null ? "–" : layer.update_ratio.toExponential(1)));
}

export class DiagnosisView {
  constructor(element) {
    this.element = element;
    this.drawn = null;
  }

  render({ training }) {
    const epoch = training.epochs.at(-1) ?? null;
    if (epoch === this.drawn) return;
    this.drawn = epoch;
    if (!epoch || !epoch.diagnosis) {
      fill(this.element, h("p", { class: "caption" },
        training.run ? "The diagnosis comes after the first epoch." : ""));
      return;
    }
    const { problems, layers } = epoch.diagnosis;
    const said = problems.length
      ? h("ul", { class: "problems" }, problems.map((p) => h("li", {}, p.sentence)))
      : h("p", { class: "healthy" },
          `After epoch ${epoch.epoch}: no problem found: no saturated or dead neurons to ` +
          "speak of, gradients reach the first layer, steps of a sensible size.");
    const last = layers.at(-1)?.layer;
    const table = h("table", { class: "layers" },
      h("thead", {}, h("tr", {}, COLUMNS.map((c) => h("th", {}, c)))),
      h("tbody", {}, layers.map((layer) => layerRow(layer, last))));
    fill(this.element, said, table);
    this.element.dataset.problems = String(problems.length);
  }
}
