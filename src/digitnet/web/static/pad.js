// The drawing pad: white ink on black, like MNIST, drawn with a mouse, a pen or a finger
// (pointer events cover all three). It tells its owner when a stroke starts and when there is
// enough ink to be worth reading: a stroke that has only just started is a dot, not a digit.

const INK_WIDTH = 20;  // pen width in pad pixels: 2 pixels of the 28x28 picture on a 280 pad
const ENOUGH_INK = 8;  // pad pixels of stroke to draw before asking while the pen is down

export class DrawingPad {
  /**
   * ``onStroke()`` runs when a stroke starts, before any ink; ``onInk()`` whenever the drawing
   * changed and is worth reading: the strokes are ENOUGH_INK pixels long, or a pen with some
   * ink was lifted.
   */
  constructor(canvas, { onStroke, onInk }) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.onStroke = onStroke;
    this.onInk = onInk;
    this.inkLength = 0;   // pad pixels of stroke drawn since the pad was cleared
    this.generation = 0;  // bumped by clear(): answers about an older drawing are stale
    this.drawing = false;
    this.last = null;
    canvas.addEventListener("pointerdown", (event) => this.down(event));
    canvas.addEventListener("pointermove", (event) => this.move(event));
    for (const type of ["pointerup", "pointercancel", "pointerleave"]) {
      canvas.addEventListener(type, () => this.up());
    }
  }

  /** Is there ink to read? (A pen put down and lifted without moving leaves none.) */
  get hasInk() { return this.inkLength > 0; }

  clear() {
    this.context.fillStyle = "#000";
    this.context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.inkLength = 0;
    this.generation += 1;
  }

  /** The drawing as a PNG blob. */
  toBlob() {
    return new Promise((resolve, reject) => this.canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error("the drawing could not be encoded"))),
      "image/png"));
  }

  point(event) {
    const box = this.canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * this.canvas.width / box.width,
            (event.clientY - box.top) * this.canvas.height / box.height];
  }

  stroke(from, to) {
    const ink = this.context;
    ink.strokeStyle = "#fff"; ink.fillStyle = "#fff";
    ink.lineWidth = INK_WIDTH; ink.lineCap = "round"; ink.lineJoin = "round";
    ink.beginPath(); ink.moveTo(...from); ink.lineTo(...to); ink.stroke();
    this.inkLength += Math.hypot(to[0] - from[0], to[1] - from[1]);
  }

  down(event) {
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    this.onStroke();
    this.drawing = true;
    this.last = this.point(event);
    this.stroke(this.last, this.last);
  }

  move(event) {
    if (!this.drawing) return;
    const point = this.point(event);
    this.stroke(this.last, point);
    this.last = point;
    if (this.inkLength >= ENOUGH_INK) this.onInk();
  }

  up() {
    if (!this.drawing) return;
    this.drawing = false;
    if (this.hasInk) this.onInk();
  }
}
