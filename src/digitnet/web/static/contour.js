// Drawing the cost landscape (POST /api/landscape): the cost on the grid as a contour map on a
// canvas (bands of equal cost, on a logarithmic scale, with a line where one band meets the
// next), the two walks as paths over it, and the cost after every step of each walk.

import { svg } from "./dom.js";
import { precise } from "./format.js";

const LEVELS = 14;  // bands of the contour map
// low cost (dark blue valleys) to high (yellow hills), after viridis
const PALETTE = [[13, 8, 60], [59, 28, 110], [44, 86, 140], [33, 134, 141], [53, 183, 121],
  [144, 215, 67], [253, 231, 37]];

function colour(t) {
  const x = Math.min(1, Math.max(0, t)) * (PALETTE.length - 1);
  const k = Math.min(PALETTE.length - 2, Math.floor(x));
  return PALETTE[k].map((c, n) => Math.round(c + (PALETTE[k + 1][n] - c) * (x - k)));
}

/** log(cost) on the grid, +Infinity where it overflowed (null in the JSON). */
const logs = (costs) =>
  costs.map((row) => row.map((c) => (c === null ? Infinity : Math.log(Math.max(c, 1e-300)))));

/** The band (0..LEVELS-1) of every canvas pixel, bilinear between the grid points. */
function bands(grid, width, height) {
  const n = grid.length, finite = grid.flat().filter(Number.isFinite);
  const lo = Math.min(...finite), hi = Math.max(...finite), span = hi - lo || 1;
  const band = new Int16Array(width * height);
  for (let py = 0; py < height; py += 1) {
    const gy = (height - 1 - py) / (height - 1) * (n - 1);
    const i = Math.min(n - 2, Math.floor(gy)), v = gy - i;
    for (let px = 0; px < width; px += 1) {
      const gx = px / (width - 1) * (n - 1), j = Math.min(n - 2, Math.floor(gx)), u = gx - j;
      const value = (1 - v) * ((1 - u) * grid[i][j] + u * grid[i][j + 1]) +
        v * ((1 - u) * grid[i + 1][j] + u * grid[i + 1][j + 1]);
      const t = Number.isFinite(value) ? (value - lo) / span : 1;
      band[py * width + px] = Math.min(LEVELS - 1, Math.floor(t * LEVELS));
    }
  }
  return band;
}

/** The contour map of ``costs[i][j]`` (rows: beta from bottom to top; columns: alpha). */
export function drawMap(canvas, costs) {
  const { width, height } = canvas, context = canvas.getContext("2d");
  const band = bands(logs(costs), width, height), image = context.createImageData(width, height);
  for (let p = 0; p < band.length; p += 1) {
    const edge = (p % width > 0 && band[p - 1] !== band[p]) ||
      (p >= width && band[p - width] !== band[p]);
    const rgb = colour(band[p] / (LEVELS - 1)).map((c) => (edge ? c * 0.55 : c));
    image.data.set([...rgb, 255], 4 * p);
  }
  context.putImageData(image, 0, 0);
}

/** Plane coordinates -> the map's pixels (alpha to the right, beta up). */
function projector(landscape, size) {
  const a = landscape.alphas, b = landscape.betas;
  const [a0, a1, b0, b1] = [a[0], a.at(-1), b[0], b.at(-1)];
  return ([x, y]) => [(x - a0) / (a1 - a0) * size, size - (y - b0) / (b1 - b0) * size];
}

/** Both walks as paths with a dot at every step, over a map of side ``size``. */
export function walkParts(landscape, size) {
  const at = projector(landscape, size);
  return landscape.walks.flatMap((walk, w) => {
    const points = walk.coordinates.filter(([x, y]) => x !== null && y !== null).map(at);
    const kind = w === 0 ? "full-walk" : "sgd-walk";
    return [
      svg("polyline", { class: `walk ${kind}`, points: points.map((p) => p.join(",")).join(" ") }),
      ...points.map(([x, y], t) => svg("circle", { class: `walk-dot ${kind}`, cx: x, cy: y,
        r: t === 0 ? 5 : 2.2 })),
    ];
  });
}

/** The cost after every step of each walk, on a logarithmic scale when it spans a lot. */
export function curveParts(walks, width, height) {
  const all = walks.flatMap((w) => w.costs).filter((c) => c !== null && c > 0);
  const lo = Math.min(...all), hi = Math.max(...all), log = hi / lo > 20;
  const f = (c) => (log ? Math.log(c) : c), top = 14, bottom = height - 22, left = 52;
  const y = (c) =>
    (c === null ? top : bottom - (f(c) - f(lo)) / ((f(hi) - f(lo)) || 1) * (bottom - top));
  const steps = walks[0].costs.length - 1;
  const x = (t) => left + t / Math.max(1, steps) * (width - left - 8);
  return [
    svg("line", { class: "axis", x1: left, x2: left, y1: top, y2: bottom }),
    svg("line", { class: "axis", x1: left, x2: width - 8, y1: bottom, y2: bottom }),
    svg("text", { class: "curve-label", x: left - 4, y: top + 4 }, precise(hi, 3)),
    svg("text", { class: "curve-label", x: left - 4, y: bottom }, precise(lo, 3)),
    svg("text", { class: "curve-step", x: left, y: height - 6 }, "step 0"),
    svg("text", { class: "curve-step end", x: width - 8, y: height - 6 }, `step ${steps}`),
    walks.map((w, n) => svg("polyline", { class: `walk ${n === 0 ? "full-walk" : "sgd-walk"}`,
      points: w.costs.map((c, t) => `${x(t)},${y(c)}`).join(" ") })),
  ];
}
