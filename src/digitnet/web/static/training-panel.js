// "Train your own network": the options of `digitnet train` (a recipe, then any option
// changed), the buttons that steer the run on the server, and one line saying where it is.
// The pictures of the run are drawn by charts.js, training-pictures.js and diagnosis-view.js.

import * as api from "./api.js";
import { byId, fill, h } from "./dom.js";

const SELECTS = { activation: "activation", output_activation: "activation", cost: "cost",
                  init: "init", optimizer: "optimizer", schedule: "schedule", preset: "preset",
                  dataset: "dataset" };
// The recipe's numbers the form shows and sends (named as in TrainingConfig but batch_size).
const RECIPE_NUMBERS = ["learning_rate", "momentum", "weight_decay", "dropout", "input_dropout",
                        "max_norm", "label_smoothing", "adversarial", "rotation", "scale", "shear",
                        "translation", "elastic_alpha", "elastic_sigma", "clean_finish"];
const CHOSEN = ["activation", "output_activation", "cost", "init", "optimizer", "schedule"];
const FROM_PRESET = { ...Object.fromEntries([...CHOSEN, ...RECIPE_NUMBERS, "epochs"].map((n) => [n, n])),
                      batch_size: "mini_batch_size" };
const NUMBERS = [...RECIPE_NUMBERS, "batch_size", "epochs", "images"];
// Which buttons work in which state of the run.
const ENABLED = {
  idle: ["start"], running: ["pause", "stop"], paused: ["resume", "step", "stop", "use"],
  finished: ["start", "use"], failed: ["start", "use"], stopped: ["start", "use"],
};
const COMMANDS = ["pause", "resume", "step", "stop", "use"];

const field = (name) => byId(`train-${name.replaceAll("_", "-")}`);

export class TrainingPanel {
  /** ``onUse(answer)`` after the run's network is served; ``onProblem(message)``. */
  constructor({ onUse }) {
    this.onUse = onUse;
    this.status = byId("train-status");
    this.buttons = Object.fromEntries(["start", ...COMMANDS].map((n) => [n, byId(`train-${n}`)]));
    this.presets = {};
    this.busy = false;
    this.buttons.start.addEventListener("click", () => this.send(() => api.startTraining(this.options())));
    for (const name of COMMANDS) {
      this.buttons[name].addEventListener("click", () => this.send(async () => {
        const answer = await api.trainingCommand(name);
        if (name === "use") await this.onUse(answer);
        return answer;
      }));
    }
    field("preset").addEventListener("change", () => this.applyPreset(field("preset").value));
  }

  /** Fill the choices and the recipe's values from GET /api/training. */
  start(overview) {
    this.presets = overview.presets;
    for (const [name, kind] of Object.entries(SELECTS)) {
      fill(field(name), overview.choices[kind].map((choice) => h("option", { value: choice }, choice)));
    }
    field("preset").value = "3b1b";
    field("dataset").value = "default";
    this.applyPreset("3b1b");
    field("images").title = `limits of this server: ${overview.limits.text}`;
  }

  applyPreset(name) {
    const config = this.presets[name];
    if (!config) return;
    field("layers").value = config.layers.join(",");
    for (const [name, key] of Object.entries(FROM_PRESET)) field(name).value = String(config[key]);
  }

  /** The options as the API takes them; an empty number keeps the recipe's value. */
  options() {
    const options = { preset: field("preset").value, layers: field("layers").value.trim(),
                      dataset: field("dataset").value };
    for (const name of CHOSEN) {
      options[name] = field(name).value;
    }
    for (const name of NUMBERS) {
      const text = field(name).value.trim();
      if (text !== "") options[name] = Number(text);
    }
    return options;
  }

  async send(action) {
    this.busy = true;
    this.renderButtons(null);
    try {
      await action();
      this.problem = null;
    } catch (error) {
      this.problem = error.message;
    } finally {
      this.busy = false;
      this.render(this.last);
    }
  }

  renderButtons(state) {
    const enabled = state && !this.busy ? ENABLED[state] ?? [] : [];
    for (const [name, button] of Object.entries(this.buttons)) {
      button.disabled = !enabled.includes(name);
    }
  }

  render(state) {
    this.last = state;
    if (!state) return;
    const { run, status } = state.training;
    this.renderButtons(status.state);
    this.status.dataset.state = status.state;
    this.status.classList.toggle("wrong", Boolean(this.problem) || status.state === "failed");
    this.status.textContent = this.problem ?? describe(run, status);
  }
}

function describe(run, status) {
  if (!run) return "No run yet: pick a recipe, change what you like, and press Start.";
  const perEpoch = run.batches_per_epoch, batches = status.batches ?? 0;
  const epoch = Math.min(run.epochs, Math.floor(batches / perEpoch) + 1);
  const cost = status.cost === null || status.cost === undefined ? "" : `, cost ${status.cost.toFixed(4)}`;
  const where = `epoch ${epoch} of ${run.epochs}, mini-batch ${batches.toLocaleString()}` +
    ` (${perEpoch.toLocaleString()} per epoch)${cost}`;
  const what = `Run ${run.run}: ${run.network.replace(/^Network\(|\)$/g, "")} on ` +
    `${run.images.toLocaleString()} ${run.dataset} images`;
  if (status.state === "running") return `${what}: training, ${where}.`;
  if (status.state === "paused") return `${what}: paused at ${where}. Step goes one mini-batch.`;
  return `${what}: ${status.state}: ${status.message}.`;
}
