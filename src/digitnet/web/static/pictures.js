// Small pictures drawn pixel by pixel on a canvas: grey levels, and weights coloured by sign.

/** Values in [0, 1], row by row, as a side x side grey picture (0 black, 1 white). */
export function drawGray(canvas, values, side = Math.round(Math.sqrt(values.length))) {
  canvas.width = side; canvas.height = side;
  const context = canvas.getContext("2d"), image = context.createImageData(side, side);
  values.forEach((v, i) => {
    const g = Math.round(255 * Math.min(1, Math.max(0, v)));
    image.data.set([g, g, g, 255], 4 * i);
  });
  context.putImageData(image, 0, 0);
}

/** The same picture as a PNG data URL, for an <img>. */
export function grayDataUrl(values, side) {
  const canvas = document.createElement("canvas");
  drawGray(canvas, values, side);
  return canvas.toDataURL();
}

/** Weights as a side x side picture: orange positive, blue negative, dark near zero. */
export function drawWeights(canvas, weights, side) {
  canvas.width = side; canvas.height = side;
  const max = Math.max(1e-9, ...weights.map(Math.abs));
  const context = canvas.getContext("2d"), image = context.createImageData(side, side);
  weights.forEach((w, i) => {
    const s = Math.min(1, Math.abs(w) / max), hi = w >= 0 ? [251, 146, 60] : [96, 165, 250];
    const rgb = [15, 23, 42].map((c, k) => Math.round(c + (hi[k] - c) * s));
    image.data.set([...rgb, 255], 4 * i);
  });
  context.putImageData(image, 0, 0);
}
