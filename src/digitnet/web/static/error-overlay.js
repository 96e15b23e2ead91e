// The backward pass drawn on the network picture itself: once the "How it learns" panel is
// open, every lit layer's neurons show the nudge their weighted sum z wants, −δ = −∂C/∂z
// (orange up, blue down, brighter for larger, each layer on its own scale, since errors shrink
// as they flow back), and the input pixels show −∂C/∂x, where the backward pass ends. Layers
// light from the output back to the input (`bp.lit`). Every drawn connection becomes clickable
// (a wide invisible line under the neurons) to show its chain rule.

import { current, depth } from "./backprop-state.js";
import { svg } from "./dom.js";

const HIT_WIDTH = 8;  // px of the invisible line that catches a click on a connection

/** A nudge scaled to [-1, 1] -> a colour: orange up, blue down, dark for none. */
function nudgeColour(v) {
  const s = Math.min(1, Math.abs(v));
  const [lo, hi] = [[22, 30, 46], v >= 0 ? [251, 146, 60] : [96, 165, 250]];
  return `rgb(${lo.map((c, k) => Math.round(c + (hi[k] - c) * Math.sqrt(s))).join(",")})`;
}

/** The largest magnitude in a list (1 when all are zero), for one layer's colour scale. */
const scaleOf = (values) => Math.max(1e-30, ...values.map(Math.abs));

/** Where a neuron is drawn, read from the picture: [x, y], or null when it is not shown. */
function centre(element, layer, index) {
  const node = element.querySelector(`.neuron[data-layer="${layer}"][data-index="${index}"]`);
  if (!node) return null;
  const at = (name) => Number(node.getAttribute(name));
  if (node.tagName === "circle") return [at("cx"), at("cy")];
  return [at("x") + at("width") / 2, at("y") + at("height") / 2];
}

/** One lit neuron or pixel: the same shape over it, filled with its nudge's colour. */
function litShape(node, value, scale) {
  const fill = nudgeColour(-value / scale), common = { class: "bp-lit", fill };
  if (node.tagName === "circle") {
    return svg("circle", { ...common, cx: node.getAttribute("cx"), cy: node.getAttribute("cy"),
      r: node.getAttribute("r") });
  }
  return svg("rect", { ...common, x: node.getAttribute("x"), y: node.getAttribute("y"),
    width: node.getAttribute("width"), height: node.getAttribute("height") });
}

export class ErrorOverlay {
  /** ``onConnect({ layer, neuron, input })`` runs when a connection is clicked. */
  constructor(element, { onConnect }) {
    this.element = element;
    element.addEventListener("click", (event) => {
      const hit = event.target.closest(".link-hit");
      if (hit) {
        onConnect({ layer: Number(hit.dataset.layer), neuron: Number(hit.dataset.to),
          input: Number(hit.dataset.from) });
      }
    });
  }

  render(state) {
    const element = this.element;
    element.querySelectorAll(".bp-overlay, .bp-hits").forEach((node) => node.remove());
    const bp = current(state);
    element.dataset.lit = bp ? String(bp.lit) : "";
    if (!bp) return;
    const L = depth(bp), layers = [bp.result.input_nudges, ...bp.result.errors];
    // error sign: a neuron's nudge is −δ; a pixel's is −∂C/∂x, so its "error" is ∂C/∂x
    const errors = layers.map((values, l) => (l === 0 ? values.map((v) => -v) : values));
    const overlay = svg("g", { class: "bp-overlay" });
    for (let l = 0; l <= L; l += 1) {
      const lit = bp.lit >= L - l + 1, scale = scaleOf(errors[l]);
      for (const node of element.querySelectorAll(`.neuron[data-layer="${l}"]`)) {
        if (lit) overlay.append(litShape(node, errors[l][Number(node.dataset.index)], scale));
      }
    }
    overlay.append(...this.chosen(bp),
      svg("text", { class: "bp-legend", x: 156, y: 690 }, "the backward pass: each lit neuron's"),
      svg("text", { class: "bp-legend", x: 156, y: 706 }, "wished nudge −δ, orange up, blue down"));
    element.append(overlay);
    const first = element.querySelector(".grid-frame, .neuron");
    element.insertBefore(this.hits(), first);
  }

  /** Invisible wide copies of every drawn connection, under the neurons, to be clicked. */
  hits() {
    const group = svg("g", { class: "bp-hits" });
    for (const link of this.element.querySelectorAll("line.link")) {
      const { layer, from, to } = link.dataset;
      group.append(svg("line", { class: "link-hit", "data-layer": layer, "data-from": from,
        "data-to": to, "stroke-width": HIT_WIDTH, x1: link.getAttribute("x1"),
        y1: link.getAttribute("y1"), x2: link.getAttribute("x2"), y2: link.getAttribute("y2") }));
    }
    return group;
  }

  /** The chosen connection, drawn over everything when both its ends are shown. */
  chosen(bp) {
    if (!bp.connection) return [];
    const { layer, neuron, input } = bp.connection;
    const a = centre(this.element, layer - 1, input), b = centre(this.element, layer, neuron);
    if (!a || !b) return [];
    return [svg("line", { class: "link-chosen", x1: a[0], y1: a[1], x2: b[0], y2: b[1] })];
  }
}
