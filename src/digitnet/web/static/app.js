// digitnet's page: draw a digit, send it to the JSON API, draw what every layer computed.
// Plain JavaScript, no build step, no libraries: every picture is an SVG or a canvas.
"use strict";

const SVG_W = 900, SVG_H = 720, CELL = 10, GRID = 28;
const state = { model: null, prediction: null, source: null, selected: null, test: null };
const neuronCache = new Map();
const $ = (id) => document.getElementById(id);

// ---- talking to the API ------------------------------------------------------------------
async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}
const postJSON = (path, data) => api(path, {
  method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data),
});
const pct = (p) => `${(100 * p).toFixed(p > 0.995 || p < 0.005 ? 1 : 0)}%`;
const fmt = (x) => (x >= 0 ? "+" : "−") + Math.abs(x).toFixed(3);

// ---- the drawing pad: pointer events cover mouse, pen and touch --------------------------
const pad = $("pad"), ink = pad.getContext("2d");
let hasInk = false, drawing = false, last = null, generation = 0;

function clearPad() {
  ink.fillStyle = "#000"; ink.fillRect(0, 0, pad.width, pad.height);
  hasInk = false; generation += 1;
}
function padPoint(event) {
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) * pad.width / box.width,
          (event.clientY - box.top) * pad.height / box.height];
}
function stroke(from, to) {
  ink.strokeStyle = "#fff"; ink.fillStyle = "#fff";
  ink.lineWidth = 20; ink.lineCap = "round"; ink.lineJoin = "round";
  ink.beginPath(); ink.moveTo(...from); ink.lineTo(...to); ink.stroke();
}
pad.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  if (state.source !== "drawing") { clearPad(); state.source = "drawing"; }
  drawing = true; last = padPoint(event); stroke(last, last); hasInk = true;
  requestPrediction();
});
pad.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  const point = padPoint(event); stroke(last, point); last = point;
  requestPrediction();
});
for (const type of ["pointerup", "pointercancel", "pointerleave"]) {
  pad.addEventListener(type, () => { if (drawing) { drawing = false; requestPrediction(); } });
}

// Live prediction, throttled: at most one request in flight, at most one every 120 ms.
let inFlight = false, dirty = false, lastSent = 0;
function requestPrediction() { dirty = true; pump(); }
function pump() {
  if (inFlight || !dirty) return;
  const wait = 120 - (performance.now() - lastSent);
  if (wait > 0) { setTimeout(pump, wait); return; }
  dirty = false; inFlight = true; lastSent = performance.now();
  const sent = generation;
  pad.toBlob(async (blob) => {
    try {
      const form = new FormData();
      form.append("file", blob, "drawing.png");
      const prediction = await api("/api/predict/image", { method: "POST", body: form });
      if (sent === generation && state.source === "drawing") show(prediction, "drawing");
    } catch (error) {
      if (sent === generation && state.source === "drawing") showProblem(error.message);
    } finally { inFlight = false; pump(); }
  }, "image/png");
}

$("clear").addEventListener("click", () => {
  clearPad(); state.source = "drawing"; showEmpty();
});
$("noise").addEventListener("click", async () => {
  busy("Feeding the network random pixels…");
  try { const r = await postJSON("/api/noise", {}); clearPad(); show(r.prediction, "noise"); }
  catch (error) { showProblem(error.message); }
});
$("dream-digit").addEventListener("click", (event) => event.stopPropagation());
$("dream").addEventListener("click", async () => {
  const digit = Number($("dream-digit").value);
  busy(`Climbing the gradient towards a ${digit}…`);
  try {
    const r = await postJSON("/api/dream", { digit, steps: 200 });
    clearPad(); show(r.prediction, "dream", r);
  } catch (error) { showProblem(error.message); }
});

// ---- the answer and what the network sees ------------------------------------------------
function busy(message) {
  $("answer").dataset.state = "busy"; $("answer-caption").textContent = message;
}
function showEmpty() {
  state.prediction = null;
  $("answer").textContent = "?"; $("answer").dataset.state = "empty";
  $("answer-caption").textContent =
    "Draw a digit in the box: the network will tell you which one it thinks it is.";
  $("stages").innerHTML = "";
  drawGray($("seen"), new Array(784).fill(0));
  renderNetwork(); renderNeuron();
}
function showProblem(message) {
  $("answer").textContent = "?"; $("answer").dataset.state = "empty";
  $("answer-caption").textContent = message;
}

function show(prediction, source, extra = null) {
  state.prediction = prediction; state.source = source;
  const d = prediction.digit, p = prediction.confidence;
  const ranked = prediction.probabilities.map((q, i) => [q, i]).sort((a, b) => b[0] - a[0]);
  $("answer").textContent = String(d); $("answer").dataset.state = "ready";
  let caption = `The network says ${d}, ${pct(p)} sure` +
    (ranked[1] ? ` (its second guess: ${ranked[1][1]}, ${pct(ranked[1][0])}).` : ".");
  if (source === "noise") {
    caption = `Pure random noise, and the network still says ${d}, ${pct(p)} sure. ` +
      "It was never taught to answer “that is not a digit”.";
  } else if (source === "dream") {
    const start = extra.probabilities[0];
    caption = `Starting from noise (${pct(start)} a ${extra.digit}), backpropagation was carried ` +
      `through to the pixels and each step nudged them to make a ${extra.digit} more likely. ` +
      `Now the network is ${pct(extra.probabilities.at(-1))} sure it sees a ${extra.digit}, ` +
      "yet it looks nothing like one: the network learned to tell digits apart, " +
      "not what they look like.";
  } else if (source === "test") {
    caption = `Test image #${extra.index}, labelled ${extra.label}: the network says ${d} ` +
      `(${pct(p)}) ${extra.correct ? "✓ right" : "✗ wrong"}.`;
  }
  $("answer-caption").textContent = caption;
  renderStages(prediction.stages, source, extra);
  drawGray($("seen"), prediction.layers[0].activations);
  renderNetwork(); renderNeuron();
}

function renderStages(stages, source, extra) {
  const box = $("stages");
  if (source === "dream") {
    const picture = (values) => { const c = document.createElement("canvas"); drawGray(c, values);
      return c.toDataURL(); };
    const trace = extra.probabilities;
    box.innerHTML = `<figure><img src="${picture(extra.start)}" alt="start"><figcaption>the noise ` +
      `it started from: ${pct(trace[0])}</figcaption></figure><figure><img src="` +
      `${picture(extra.image)}" alt="dream"><figcaption>after ${trace.length - 1} steps: ` +
      `${pct(trace.at(-1))}</figcaption></figure>`;
    return;
  }
  if (!stages) {
    const why = { noise: "random noise", dream: "a dreamed image", test: "an MNIST test image" };
    box.innerHTML = `<p class="caption">No preparation needed: ${why[source] || "this input"} ` +
      "is already 28×28.</p>";
    return;
  }
  box.innerHTML = stages.map((s) => `<figure title="${s.caption}"><img src="${s.image}" ` +
    `alt="${s.name}"><figcaption>${STAGE_LABELS[s.name] || s.name}</figcaption></figure>`).join("");
}

const STAGE_LABELS = {
  grayscale: "your drawing", inverted: "white on black", cropped: "cropped to ink",
  scaled: "fit in 20×20", centred: "centred in 28×28",
};

function drawGray(canvas, values) {
  const side = Math.round(Math.sqrt(values.length));
  canvas.width = side; canvas.height = side;
  const ctx = canvas.getContext("2d"), image = ctx.createImageData(side, side);
  values.forEach((v, i) => {
    const g = Math.round(255 * Math.min(1, Math.max(0, v)));
    image.data.set([g, g, g, 255], 4 * i);
  });
  ctx.putImageData(image, 0, 0);
}

// ---- the network: columns of neurons, the strongest connections between them -------------
function glow(value) {
  // activation -> colour: dark slate for 0, warm light for 1, blue for negative values
  const v = Math.min(1, Math.abs(value));
  const [lo, hi] = [[22, 30, 46], value >= 0 ? [255, 226, 140] : [96, 165, 250]];
  return `rgb(${lo.map((c, k) => Math.round(c + (hi[k] - c) * v)).join(",")})`;
}

function layout() {
  const sizes = state.model ? state.model.layers : [784, 10];
  const p = state.prediction;
  const gridSide = CELL * GRID, gridX = 16, gridY = (SVG_H - gridSide) / 2;
  const first = gridX + gridSide + 90, lastX = SVG_W - 195;
  const columns = sizes.length - 1;
  return sizes.map((size, l) => {
    const acts = p ? p.layers[l].activations : new Array(size).fill(0);
    if (l === 0) {
      return { l, size, acts, z: null, shown: [...acts.keys()],
        pos: (k) => [gridX + (k % GRID + 0.5) * CELL, gridY + (Math.floor(k / GRID) + 0.5) * CELL] };
    }
    const shown = p ? p.layers[l].shown : [...Array(Math.min(size, 64)).keys()];
    const x = columns === 1 ? lastX : first + (lastX - first) * (l - 1) / (columns - 1);
    const output = l === sizes.length - 1;
    const spacing = Math.min(output ? 56 : 38, (SVG_H - 80) / shown.length);
    const top = SVG_H / 2 - spacing * (shown.length - 1) / 2;
    const row = new Map(shown.map((k, i) => [k, i]));
    return { l, size, acts, z: p ? p.layers[l].z : null, shown, x, output, spacing, top,
      r: Math.max(2, Math.min(output ? 16 : 12, spacing * 0.38)),
      pos: (k) => [x, top + spacing * row.get(k)] };
  });
}

function renderNetwork() {
  const columns = layout(), p = state.prediction, parts = [];
  if (p) {
    p.connections.forEach((links, l) => {
      const max = Math.max(1e-9, ...links.map((c) => Math.abs(c[2])));
      for (const [from, to, value] of links) {
        const [x1, y1] = columns[l].pos(from), [x2, y2] = columns[l + 1].pos(to);
        const s = Math.abs(value) / max;
        parts.push(`<line class="link ${value >= 0 ? "pos" : "neg"}" x1="${x1}" y1="${y1}" ` +
          `x2="${x2}" y2="${y2}" stroke-width="${(0.4 + 2.6 * s).toFixed(2)}" ` +
          `stroke-opacity="${(0.15 + 0.7 * s).toFixed(2)}"/>`);
      }
    });
  }
  for (const column of columns) {
    const { l, size, acts } = column;
    const scale = l === 0 ? 1 : Math.max(1, ...column.shown.map((k) => Math.abs(acts[k])));
    const sel = (k) => state.selected && state.selected.layer === l && state.selected.index === k
      ? " selected" : "";
    if (l === 0) {
      const [x0, y0] = column.pos(0);
      parts.push(`<rect class="grid-frame" x="${x0 - CELL / 2 - 2}" y="${y0 - CELL / 2 - 2}" ` +
        `width="${CELL * GRID + 4}" height="${CELL * GRID + 4}" rx="4"/>`);
      acts.forEach((a, k) => {
        const [x, y] = column.pos(k);
        parts.push(`<rect class="neuron pixel${sel(k)}" data-layer="0" data-index="${k}" ` +
          `x="${x - CELL / 2 + 0.5}" y="${y - CELL / 2 + 0.5}" width="${CELL - 1}" ` +
          `height="${CELL - 1}" fill="${glow(a)}"/>`);
      });
      parts.push(label(x0 + CELL * GRID / 2 - CELL / 2, 22, "input layer",
        "784 neurons = 28×28 pixels"));
      continue;
    }
    for (const k of column.shown) {
      const [x, y] = column.pos(k);
      parts.push(`<circle class="neuron${sel(k)}" data-layer="${l}" data-index="${k}" ` +
        `cx="${x}" cy="${y}" r="${column.r}" fill="${glow(acts[k] / scale)}"/>`);
      if (column.output) {
        const prob = p ? p.probabilities[k] : 0, winner = p && p.digit === k;
        const lit = Math.abs(acts[k] / scale) > 0.45 ? " lit" : "";
        parts.push(`<text class="digit-label${lit}" x="${x}" y="${y + 5}">${k}</text>`);
        parts.push(`<rect class="bar-bg" x="${x + 24}" y="${y - 7}" width="100" height="14" rx="3"/>`);
        parts.push(`<rect class="bar${winner ? " winner" : ""}" x="${x + 24}" y="${y - 7}" ` +
          `width="${(100 * prob).toFixed(1)}" height="14" rx="3"/>`);
        parts.push(`<text class="bar-label" x="${x + 130}" y="${y + 4}">${p ? pct(prob) : ""}</text>`);
      }
    }
    const name = column.output ? "output layer" : `hidden layer ${l}`;
    const note = column.output ? "one neuron per digit"
      : `${size} neurons` + (size > column.shown.length ? ", most active shown" : "");
    parts.push(label(column.x + (column.output ? 55 : 0), 22, name, note));
    if (size > column.shown.length) {
      parts.push(`<text class="more" x="${column.x}" y="${SVG_H - 10}">` +
        `+${size - column.shown.length} more</text>`);
    }
  }
  const svg = $("net");
  svg.setAttribute("viewBox", `0 0 ${SVG_W} ${SVG_H}`);
  svg.innerHTML = parts.join("");
}
function label(x, y, title, note) {
  return `<text class="layer-title" x="${x}" y="${y}">${title}</text>` +
    `<text class="layer-note" x="${x}" y="${y + 15}">${note}</text>`;
}

$("net").addEventListener("click", (event) => {
  const target = event.target.closest(".neuron");
  if (!target) return;
  state.selected = { layer: Number(target.dataset.layer), index: Number(target.dataset.index) };
  renderNetwork(); renderNeuron();
});

// ---- one neuron: bias, z, activation, and what it looks for ------------------------------
async function neuronWeights(layer, index) {
  const key = `${layer}/${index}`;
  if (!neuronCache.has(key)) neuronCache.set(key, await api(`/api/layers/${layer}/neurons/${index}`));
  return neuronCache.get(key);
}

async function renderNeuron() {
  const info = $("neuron-info"), mapBox = $("weight-map-box"), sel = state.selected;
  if (!sel) return;
  const p = state.prediction, { layer, index } = sel;
  if (layer === 0) {
    const a = p ? p.layers[0].activations[index] : 0;
    info.innerHTML = `<h3>Input neuron ${index}</h3><p>Pixel row ${Math.floor(index / GRID)}, ` +
      `column ${index % GRID}. Its activation is just the pixel's brightness, ` +
      `<i>a</i> = ${a.toFixed(3)}. Input neurons have no weights and no bias: they hold the picture.</p>`;
    mapBox.hidden = true;
    return;
  }
  let neuron;
  try { neuron = await neuronWeights(layer, index); }
  catch (error) { info.textContent = error.message; return; }
  if (state.selected !== sel) return;  // another neuron was clicked meanwhile
  const sizes = state.model.layers, output = layer === sizes.length - 1;
  const fn = output ? state.model.output_activation : state.model.activation;
  const z = p ? p.layers[layer].z[index] : null, a = p ? p.layers[layer].activations[index] : null;
  const rows = [
    ["bias", "<i>b</i>", fmt(neuron.bias)],
    ["weighted sum", "<i>z</i> = Σ <i>w·a</i> + <i>b</i>", z === null ? "—" : fmt(z)],
    ["activation", `<i>a</i> = ${fn}(<i>z</i>)`, a === null ? "—" : a.toFixed(3)],
  ];
  if (output && p) rows.push(["probability", `that it is a ${index}`, pct(p.probabilities[index])]);
  let html = `<h3>${output ? `Output neuron ${index} (the digit ${index})` : `Hidden layer ${layer}, neuron ${index}`}</h3>` +
    `<table>${rows.map((r) => `<tr><th>${r[0]}</th><td>${r[1]}</td><td class="num">${r[2]}</td></tr>`).join("")}</table>`;
  if (neuron.image_side) {
    drawWeights($("weight-map"), neuron.weights);
    mapBox.hidden = false;
  } else {
    mapBox.hidden = true;
    const prev = p ? p.layers[layer - 1].activations : null;
    const top = neuron.weights.map((w, j) => [w, j])
      .sort((u, v) => Math.abs(v[0]) - Math.abs(u[0])).slice(0, 6);
    html += `<p class="caption">Its strongest incoming weights, from layer ${layer - 1}:</p><ul class="weights">` +
      top.map(([w, j]) => `<li><span class="${w >= 0 ? "pos" : "neg"}">${fmt(w)}</span> from neuron ${j}` +
        (prev ? ` (now <i>a</i> = ${prev[j].toFixed(2)})` : "") + "</li>").join("") + "</ul>";
  }
  info.innerHTML = html;
}

function drawWeights(canvas, weights) {
  const max = Math.max(1e-9, ...weights.map(Math.abs));
  const ctx = canvas.getContext("2d"), image = ctx.createImageData(GRID, GRID);
  weights.forEach((w, i) => {
    const s = Math.min(1, Math.abs(w) / max), hi = w >= 0 ? [251, 146, 60] : [96, 165, 250];
    const rgb = [15, 23, 42].map((c, k) => Math.round(c + (hi[k] - c) * s));
    image.data.set([...rgb, 255], 4 * i);
  });
  ctx.putImageData(image, 0, 0);
}

// ---- the test-set browser ----------------------------------------------------------------
async function loadTest(position, showInNetwork) {
  const info = state.test;
  if (!info || !info.available) return;
  position = (position + info.count) % info.count;
  try {
    const item = await api(`/api/test-set/${position}`);
    state.testPosition = position;
    drawGray($("test-image"), item.prediction.layers[0].activations);
    const group = position < info.misclassified
      ? `mistake ${position + 1} of ${info.misclassified}`
      : `correct, ${position + 1 - info.misclassified} of ${info.count - info.misclassified}`;
    $("test-caption").innerHTML = `<b>#${item.index}</b>: labelled <b>${item.label}</b>, ` +
      `the network says <b class="${item.correct ? "right" : "wrong"}">${item.predicted}</b> ` +
      `(${group}; accuracy ${pct(info.accuracy)} on ${info.count.toLocaleString()} images)`;
    if (showInNetwork) { clearPad(); show(item.prediction, "test", item); }
  } catch (error) { $("test-caption").textContent = error.message; }
}
$("test-prev").addEventListener("click", () => loadTest(state.testPosition - 1, true));
$("test-next").addEventListener("click", () => loadTest(state.testPosition + 1, true));
$("test-image").addEventListener("click", () => loadTest(state.testPosition, true));

// ---- start -------------------------------------------------------------------------------
async function start() {
  clearPad(); state.source = "drawing";
  try {
    state.model = await api("/api/model");
    const m = state.model;
    $("model-info").textContent = `A ${m.layers.join("–")} network: ${m.activation} hidden ` +
      `neurons, ${m.output_activation} output, ${m.num_parameters.toLocaleString()} weights ` +
      "and biases" + (m.test_accuracy !== null ? `, ${pct(m.test_accuracy)} right on its test set.` : ".");
    state.test = m.test_set;
  } catch (error) { $("model-info").textContent = `Cannot reach the model: ${error.message}`; }
  showEmpty();
  if (state.test && state.test.available) {
    state.testPosition = 0; loadTest(0, false);
  } else {
    $("tests-body").innerHTML = `<p class="caption">The test set is unavailable: ` +
      `${state.test ? state.test.reason : "no model"}.</p>`;
  }
}
start();
