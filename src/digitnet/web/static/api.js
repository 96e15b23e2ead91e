// Talking to digitnet's JSON API (described at /openapi.json). Every function returns the
// answer's JSON; an error answer becomes an ApiError carrying its one-line message and status,
// for the caller to show like any other answer.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

async function request(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new ApiError(response.status, body.error || `HTTP ${response.status}`);
  return body;
}

const postJSON = (path, data) => request(path, {
  method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data),
});

/** The network's architecture, its file's metadata, its input picture's size, its test set. */
export const getModel = () => request("/api/model");

/** What the network makes of a picture (a PNG blob), with every preparation stage. */
export function predictImage(blob) {
  const form = new FormData();
  form.append("file", blob, "drawing.png");
  return request("/api/predict/image", { method: "POST", body: form });
}

/** The network's answer to random noise (the server picks the seed). */
export const noise = () => postJSON("/api/noise", {});

/** Gradient ascent on the input towards ``digit``: the start, the image and the trace. */
export const dream = (digit, steps) => postJSON("/api/dream", { digit, steps });

/** One neuron's incoming weights and bias; layers are numbered 1..L. */
export const neuronWeights = (layer, index) =>
  request(`/api/layers/${layer}/neurons/${index}`);

/** The test image at ``position`` in the browsing order (the mistakes come first). */
export const testItem = (position) => request(`/api/test-set/${position}`);

/** The live training run (or null), the server's limits, the presets and the option names. */
export const training = () => request("/api/training");

/** Start a run with the options of ``digitnet train``; answers the run's description. */
export const startTraining = (options) => postJSON("/api/training", options);

/** pause, resume, step, stop or use (serve the run's network); answers the run's status. */
export const trainingCommand = (name) => postJSON(`/api/training/${name}`, {});

// ---- how it learns (POST /api/backprop*, /api/landscape): ``example`` is { pixels, label }
// or { test_index } (with an optional label) ----------------------------------------------------

/** One example's nudges and errors; with ``neuron`` ({ layer, neuron }), its three ways. */
export const backprop = (example, neuron = null) =>
  postJSON("/api/backprop", { ...example, neuron });

/** The chain rule for the weight into neuron ``neuron`` of ``layer`` from neuron ``input``. */
export const chainRule = (example, layer, neuron, input) =>
  postJSON("/api/backprop/connection", { ...example, layer, neuron, input });

/** One step of gradient descent on this example, on a copy: the cost before and after. */
export const oneStep = (example, learningRate) =>
  postJSON("/api/backprop/step", { ...example, learning_rate: learningRate });

/** Every one of ``k`` test images' nudge of one weight (``input`` null: the bias). */
export const batchWishes = (layer, neuron, input, k, seed) =>
  postJSON("/api/backprop/batch", { layer, neuron, input, k, seed });

/** The cost on a plane through the parameters, and two walks downhill across it. */
export const landscape = (options) => postJSON("/api/landscape", options);
