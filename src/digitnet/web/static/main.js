// digitnet's page: draw a digit, send it to the JSON API, draw what every layer computed.
// Plain JavaScript modules, no build step; every picture is an SVG or a canvas, and the charts
// of a run trained on the page use uPlot (vendored in vendor/uplot).
//
// This module wires the page together and owns its one piece of shared state, `state`; the
// panels get it as an argument (`view.render(state)`) and never keep a copy. A new panel is a
// module with a class holding its elements and a render(state) method, added to `views`.
// The training panel's views are redrawn at most once per animation frame, however many of
// the run's events arrive.

import * as api from "./api.js";
import { AnswerPanel } from "./answer.js";
import { AccuracyChart, CostChart } from "./charts.js";
import { DiagnosisView } from "./diagnosis-view.js";
import { byId } from "./dom.js";
import { percent } from "./format.js";
import { LearningPanels } from "./learning.js";
import { LivePrediction } from "./live-prediction.js";
import { NetworkView } from "./network-view.js";
import { NeuronPanel } from "./neuron-panel.js";
import { DrawingPad } from "./pad.js";
import { TestBrowser } from "./test-browser.js";
import { TrainingPanel } from "./training-panel.js";
import { TestDigits, WeightPictures } from "./training-pictures.js";
import { applyEvent, emptyTraining } from "./training-state.js";
import { TrainingStream } from "./training-stream.js";

const state = {
  model: null,        // GET /api/model: layers, activations, inputs, outputs, image_side...
  prediction: null,   // what the network made of the input shown: every layer, its links
  source: "drawing",  // where that input came from: drawing, noise, dream or test
  detail: null,       // the dream or the test item behind it, for the captions
  backprop: null,     // "How it learns from this example", when opened (backprop-state.js)
  landscape: null,    // the cost landscape drawn: { model, result } (landscape-panel.js)
  selected: null,     // the neuron clicked: { layer, index }
  training: emptyTraining(),  // the run trained on the page, from its events
};

const answer = new AnswerPanel();
const network = new NetworkView(byId("net"), { onSelect: select });
const neuron = new NeuronPanel();
const learning = new LearningPanels({ state: () => state, changed: () => render() });
const views = [answer, network, neuron, ...learning.views];  // drawn from the prediction
const selectionViews = [network, neuron, ...learning.selectionViews];  // from the neuron clicked

function render(list = views) {
  for (const view of list) view.render(state);
}

function show(prediction, source, detail = null) {
  Object.assign(state, { prediction, source, detail });
  render();
}

function showEmpty() {
  Object.assign(state, { prediction: null, detail: null });
  render();
}

function select(selected) {
  state.selected = selected;
  render(selectionViews);
}

// ---- drawing: the pad, and the live prediction as the ink grows --------------------------
const pad = new DrawingPad(byId("pad"), {
  onStroke: () => {
    if (state.source !== "drawing") { pad.clear(); state.source = "drawing"; }
  },
  onInk: () => live.request(),
});
const live = new LivePrediction(pad, {
  predict: api.predictImage,
  onAnswer: (prediction) => { if (state.source === "drawing") show(prediction, "drawing"); },
  onProblem: (message) => { if (state.source === "drawing") answer.problem(message); },
});

byId("clear").addEventListener("click", () => {
  pad.clear(); state.source = "drawing"; showEmpty();
});

// ---- the two facts the classic explanation ends on: noise, and what a digit "looks like" --
byId("noise").addEventListener("click", async () => {
  answer.busy("Feeding the network random pixels…");
  try {
    const result = await api.noise();
    pad.clear(); show(result.prediction, "noise");
  } catch (error) { answer.problem(error.message); }
});
byId("dream-digit").addEventListener("click", (event) => event.stopPropagation());
byId("dream").addEventListener("click", async () => {
  const digit = Number(byId("dream-digit").value);
  answer.busy(`Climbing the gradient towards a ${digit}…`);
  try {
    const result = await api.dream(digit, 200);
    pad.clear(); show(result.prediction, "dream", result);
  } catch (error) { answer.problem(error.message); }
});

// ---- real test images ----------------------------------------------------------------------
const tests = new TestBrowser({
  onShow: (item) => { pad.clear(); show(item.prediction, "test", item); },
});

// ---- training a network on the page ---------------------------------------------------------
const trainingPanel = new TrainingPanel({ onUse: useTrained });
const trainingViews = [
  trainingPanel, new CostChart(byId("cost-chart")), new AccuracyChart(byId("accuracy-chart")),
  new WeightPictures(byId("weight-pictures")), new TestDigits(byId("test-digits")),
  new DiagnosisView(byId("diagnosis")),
];
let frame = null;
function trainingChanged() {
  if (frame === null) {
    frame = requestAnimationFrame(() => { frame = null; render(trainingViews); });
  }
}

/** The run's network is served now: describe it, reload the test set, read the pad again. */
async function useTrained() {
  await loadModel();
  state.selected = null;
  if (pad.hasInk) { state.source = "drawing"; live.request(); } else { showEmpty(); }
  render(selectionViews);
}

// ---- start -----------------------------------------------------------------------------------
function describeModel(m) {
  return `A ${m.layers.join("–")} network: ${m.activation} hidden neurons, ` +
    `${m.output_activation} output, ${m.num_parameters.toLocaleString()} weights and biases` +
    (m.test_accuracy !== null ? `, ${percent(m.test_accuracy)} right on its test set.` : ".");
}

async function loadModel() {
  const info = byId("model-info");
  try {
    state.model = await api.getModel();
    info.textContent = describeModel(state.model);
  } catch (error) {
    info.textContent = `Cannot reach the model: ${error.message}`;
  }
  tests.start(state.model?.test_set ?? null, state.model?.image_side);
}

async function start() {
  pad.clear();
  await loadModel();
  showEmpty();
  try {
    trainingPanel.start(await api.training());
  } catch (error) {
    trainingPanel.problem = `Cannot reach the trainer: ${error.message}`;
  }
  render(trainingViews);
  new TrainingStream((kind, data) => { applyEvent(state.training, kind, data); trainingChanged(); });
}

start();
