// The network as an SVG: the input as a grid of pixels, every other layer as a column of
// neurons whose brightness is the activation, the strongest contributions w·a between them
// coloured by sign, and the output neurons with their probability bars. Clicking a neuron
// selects it.

import { fill, svg } from "./dom.js";
import { percent } from "./format.js";

const WIDTH = 900, HEIGHT = 720;  // the SVG's coordinate system
const CELL = 10;                  // side of one input pixel
const MAX_DRAWN = 64;             // neurons drawn per layer before a prediction says which

/** Activation -> colour: dark slate for 0, warm light for 1, blue for negative values. */
function glow(value) {
  const v = Math.min(1, Math.abs(value));
  const [lo, hi] = [[22, 30, 46], value >= 0 ? [255, 226, 140] : [96, 165, 250]];
  return `rgb(${lo.map((c, k) => Math.round(c + (hi[k] - c) * v)).join(",")})`;
}

/** The input layer: a side x side grid of pixels on the left. */
function inputColumn(size, side, acts) {
  const gridSide = CELL * side, gridX = 16, gridY = (HEIGHT - gridSide) / 2;
  return { l: 0, size, side, acts, z: null, shown: [...acts.keys()],
    pos: (k) => [gridX + (k % side + 0.5) * CELL, gridY + (Math.floor(k / side) + 0.5) * CELL] };
}

/** Where every layer's neurons go, and what they hold (zeros before any prediction). */
function layout(model, p) {
  const sizes = model.layers, side = model.image_side ?? Math.ceil(Math.sqrt(sizes[0]));
  const first = 16 + CELL * side + 90, lastX = WIDTH - 195;
  const columns = sizes.length - 1;
  return sizes.map((size, l) => {
    const acts = p ? p.layers[l].activations : new Array(size).fill(0);
    if (l === 0) return inputColumn(size, side, acts);
    const shown = p ? p.layers[l].shown : [...Array(Math.min(size, MAX_DRAWN)).keys()];
    const x = columns === 1 ? lastX : first + (lastX - first) * (l - 1) / (columns - 1);
    const output = l === sizes.length - 1;
    const spacing = Math.min(output ? 56 : 38, (HEIGHT - 80) / shown.length);
    const top = HEIGHT / 2 - spacing * (shown.length - 1) / 2;
    const row = new Map(shown.map((k, i) => [k, i]));
    return { l, size, acts, z: p ? p.layers[l].z : null, shown, x, output, spacing, top,
      r: Math.max(2, Math.min(output ? 16 : 12, spacing * 0.38)),
      pos: (k) => [x, top + spacing * row.get(k)] };
  });
}

function label(x, y, title, note) {
  return [svg("text", { class: "layer-title", x, y }, title),
          svg("text", { class: "layer-note", x, y: y + 15 }, note)];
}

/** The strongest contributions w·a from each layer to the next, as lines. */
function links(columns, p) {
  return p.connections.flatMap((connections, l) => {
    const max = Math.max(1e-9, ...connections.map((c) => Math.abs(c[2])));
    return connections.map(([from, to, value]) => {
      const [x1, y1] = columns[l].pos(from), [x2, y2] = columns[l + 1].pos(to);
      const s = Math.abs(value) / max;
      return svg("line", { class: `link ${value >= 0 ? "pos" : "neg"}`, x1, y1, x2, y2,
        "data-layer": l + 1, "data-from": from, "data-to": to,  // the weight into layer l + 1
        "stroke-width": (0.4 + 2.6 * s).toFixed(2), "stroke-opacity": (0.15 + 0.7 * s).toFixed(2) });
    });
  });
}

function inputPixels(column, selected) {
  const { side, acts } = column, [x0, y0] = column.pos(0);
  const parts = [svg("rect", { class: "grid-frame", x: x0 - CELL / 2 - 2, y: y0 - CELL / 2 - 2,
    width: CELL * side + 4, height: CELL * side + 4, rx: 4 })];
  acts.forEach((a, k) => {
    const [x, y] = column.pos(k);
    parts.push(svg("rect", { class: `neuron pixel${selected(k)}`, "data-layer": 0,
      "data-index": k, "data-activation": a, x: x - CELL / 2 + 0.5, y: y - CELL / 2 + 0.5,
      width: CELL - 1, height: CELL - 1, fill: glow(a) }));
  });
  parts.push(...label(x0 + CELL * side / 2 - CELL / 2, 22, "input layer",
    `${column.size} neurons = ${side}×${side} pixels`));
  return parts;
}

/** An output neuron's digit and probability bar, beside its circle at (x, y). */
function outputBar(k, x, y, lit, p) {
  const probability = p ? p.probabilities[k] : 0, winner = p && p.digit === k;
  return [
    svg("text", { class: `digit-label${lit ? " lit" : ""}`, x, y: y + 5 }, String(k)),
    svg("rect", { class: "bar-bg", x: x + 24, y: y - 7, width: 100, height: 14, rx: 3 }),
    svg("rect", { class: `bar${winner ? " winner" : ""}`, x: x + 24, y: y - 7,
      width: (100 * probability).toFixed(1), height: 14, rx: 3 }),
    svg("text", { class: "bar-label", x: x + 130, y: y + 4 }, p ? percent(probability) : ""),
  ];
}

function neurons(column, selected, p) {
  const { l, size, acts } = column, parts = [];
  const scale = Math.max(1, ...column.shown.map((k) => Math.abs(acts[k])));
  for (const k of column.shown) {
    const [x, y] = column.pos(k);
    parts.push(svg("circle", { class: `neuron${selected(k)}`, "data-layer": l, "data-index": k,
      "data-activation": acts[k], cx: x, cy: y, r: column.r, fill: glow(acts[k] / scale) }));
    if (column.output) parts.push(...outputBar(k, x, y, Math.abs(acts[k] / scale) > 0.45, p));
  }
  const name = column.output ? "output layer" : `hidden layer ${l}`;
  const note = column.output ? "one neuron per digit"
    : `${size} neurons` + (size > column.shown.length ? ", most active shown" : "");
  parts.push(...label(column.x + (column.output ? 55 : 0), 22, name, note));
  if (size > column.shown.length) {
    parts.push(svg("text", { class: "more", x: column.x, y: HEIGHT - 10 },
      `+${size - column.shown.length} more`));
  }
  return parts;
}

export class NetworkView {
  /** ``onSelect({ layer, index })`` runs when a neuron is clicked. */
  constructor(element, { onSelect }) {
    this.element = element;
    element.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
    element.addEventListener("click", (event) => {
      const target = event.target.closest(".neuron");
      if (target) {
        onSelect({ layer: Number(target.dataset.layer), index: Number(target.dataset.index) });
      }
    });
  }

  render(state) {
    if (!state.model) {
      fill(this.element);
      return;
    }
    const p = state.prediction, columns = layout(state.model, p), parts = p ? links(columns, p) : [];
    for (const column of columns) {
      const selected = (k) => (state.selected && state.selected.layer === column.l &&
        state.selected.index === k ? " selected" : "");
      parts.push(...(column.l === 0 ? inputPixels(column, selected)
        : neurons(column, selected, p)));
    }
    fill(this.element, parts);
  }
}
