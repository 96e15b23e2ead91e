// The minimum confidence: a slider under the answer. An answer whose (calibrated) probability
// is below it reads "not sure (maybe 4 or 9)"; the server judges, the page only sends the value.

import { h } from "./dom.js";
import { percent } from "./format.js";

export class ConfidenceControl {
  /** Built inside ``panel`` after its answer row; ``onChange(value)`` when the user moves it. */
  constructor(panel, { onChange }) {
    this.input = h("input", {
      type: "range", id: "min-confidence", min: "0", max: "0.99", step: "0.01", value: "0.8",
      "aria-label": "minimum confidence",
    });
    this.shown = h("output", { id: "min-confidence-value", for: "min-confidence" });
    this.touched = false;  // until moved, the server's default applies
    const row = h("label", { class: "min-confidence caption" },
      "Say “not sure” below ", this.input, this.shown, " confidence");
    panel.querySelector(".answer-row").after(row);
    this.input.addEventListener("input", () => {
      this.touched = true;
      this.show();
      onChange(this.value);
    });
    this.show();
  }

  /** The minimum confidence to send, or null for the server's default. */
  get value() { return this.touched ? Number(this.input.value) : null; }

  /** Show the server's default (GET /api/model's min_confidence) until the user moves it. */
  setDefault(value) {
    if (!this.touched && typeof value === "number") { this.input.value = String(value); }
    this.show();
  }

  show() { this.shown.textContent = percent(Number(this.input.value)); }
}
