// Live prediction while drawing, throttled: at most one request in flight and at most one every
// INTERVAL milliseconds. Asking again while a request is out sends the newest drawing when it
// comes back; a pad without ink is never sent (the server would only say "no digit found").
// The pad's data-pending attribute says whether an answer is still to come.

const INTERVAL = 120;  // milliseconds between requests

export class LivePrediction {
  /** ``predict(blob)`` asks the server; ``onAnswer(prediction)`` or ``onProblem(message)``. */
  constructor(pad, { predict, onAnswer, onProblem }) {
    this.pad = pad;
    this.predict = predict;
    this.onAnswer = onAnswer;
    this.onProblem = onProblem;
    this.inFlight = false;
    this.dirty = false;  // the drawing changed since the last request
    this.timer = null;
    this.lastSent = -Infinity;
    this.mark();
  }

  request() {
    this.dirty = true;
    this.pump();
  }

  pump() {
    if (!this.pad.hasInk) this.dirty = false;  // cleared meanwhile: nothing to read
    if (this.inFlight || !this.dirty || this.timer !== null) {
      this.mark();
      return;
    }
    const wait = INTERVAL - (performance.now() - this.lastSent);
    if (wait > 0) {
      this.timer = setTimeout(() => { this.timer = null; this.pump(); }, wait);
    } else {
      this.dirty = false;
      this.inFlight = true;
      this.lastSent = performance.now();
      this.send(this.pad.generation);
    }
    this.mark();
  }

  async send(generation) {
    try {
      const prediction = await this.predict(await this.pad.toBlob());
      if (generation === this.pad.generation) this.onAnswer(prediction);
    } catch (error) {
      if (generation === this.pad.generation) this.onProblem(error.message);
    } finally {
      this.inFlight = false;
      this.pump();
    }
  }

  mark() {
    this.pad.canvas.dataset.pending = String(this.inFlight || this.dirty);
  }
}
