// Your own handwriting: save the drawing on the pad, with the digit it really is, into your
// my-digits folder (POST /api/my-digits). `digitnet evaluate MODEL --dataset my-digits` then
// measures a network on them, and `digitnet train --fine-tune MODEL` teaches it your hand.

import * as api from "./api.js";
import { h } from "./dom.js";

export class MyDigitsSaver {
  /** Built at the end of ``panel``; saves what ``pad`` holds. */
  constructor(panel, pad) {
    this.pad = pad;
    this.label = h("select", { id: "my-digit-label", "aria-label": "the digit you drew" },
      ...Array.from({ length: 10 }, (_, d) => h("option", { value: String(d) }, String(d))));
    this.button = h("button", { id: "save-digit", type: "button" }, "Save as my digit");
    this.status = h("p", { id: "my-digits-status", class: "caption" });
    this.box = h("div", { id: "my-digits", hidden: true },
      h("div", { class: "buttons" }, h("label", {}, "It is a ", this.label, " "), this.button),
      this.status);
    panel.append(this.box);
    this.button.addEventListener("click", () => this.save());
  }

  /** Show the control when the server saves digits, with where and how many. */
  async start() {
    try {
      const info = await api.myDigits();
      if (!info.enabled) return;
      this.folder = info.folder;
      this.box.hidden = false;
      this.status.textContent = `Saved into ${info.folder}: ${info.count} so far.`;
    } catch (error) {
      this.status.textContent = error.message;
    }
  }

  async save() {
    if (!this.pad.hasInk) {
      this.status.textContent = "Draw a digit first, then say which one it is.";
      return;
    }
    const label = Number(this.label.value);
    this.status.textContent = "Saving…";
    try {
      const saved = await api.saveMyDigit(await this.pad.toBlob(), label);
      this.status.textContent =
        `Saved as a ${saved.label} (${saved.file}): ${saved.count} digits in ${this.folder}.`;
    } catch (error) {
      this.status.textContent = `Not saved: ${error.message}`;
    }
  }
}
