// The run's two charts, drawn with uPlot (vendored in vendor/uplot: fast canvas charts, no
// build step): the cost of every mini-batch, smoothed, with the raw costs shown while the
// pointer is on the chart; and the validation and test accuracy after every epoch.

import uPlot from "./vendor/uplot/uPlot.esm.js";

const AXIS = { stroke: "#94a3b8", grid: { stroke: "#24324a", width: 1 },
               ticks: { stroke: "#24324a", width: 1 } };
const HEIGHT = 220;

const WHOLE_EPOCHS = [1, 2, 5, 10, 20, 50, 100];

function chart(element, series, yLabel, yValues, xIncrs = null) {
  const x = { ...AXIS, label: "epoch" };
  if (xIncrs) x.incrs = xIncrs;
  const options = {
    width: Math.max(240, element.clientWidth), height: HEIGHT,
    scales: { x: { time: false } },
    axes: [x, { ...AXIS, label: yLabel, values: yValues }],
    series: [{ label: "epoch", value: (u, v) => (v === null ? "–" : v.toFixed(2)) }, ...series],
    legend: { live: true },
  };
  const plot = new uPlot(options, [[], ...series.map(() => [])], element);
  new ResizeObserver(() => plot.setSize({ width: Math.max(240, element.clientWidth),
                                          height: HEIGHT })).observe(element);
  return plot;
}

const number = (u, v) => (v === null || v === undefined ? "–" : v.toPrecision(4));
const percentValue = (u, v) => (v === null || v === undefined ? "–" : `${v.toFixed(2)}%`);

/** The cost per mini-batch: a smoothed line, and the raw costs while the pointer is here. */
export class CostChart {
  constructor(element) {
    this.element = element;
    this.plot = chart(element, [
      { label: "raw cost", stroke: "rgba(148, 163, 184, 0.45)", width: 1, show: false,
        value: number },
      { label: "smoothed", stroke: "#fbbf24", width: 2, value: number },
    ], "cost", null);
    this.shown = -1;
    element.addEventListener("pointerenter", () => this.plot.setSeries(1, { show: true }));
    element.addEventListener("pointerleave", () => this.plot.setSeries(1, { show: false }));
  }

  render({ training }) {
    const { x, raw, smooth } = training.costs;
    if (training.costs === this.costs && x.length === this.shown) return;
    this.costs = training.costs;
    this.shown = x.length;
    this.plot.setData([x, raw, smooth]);
    this.element.dataset.points = String(x.length);
  }
}

/** Validation and test accuracy (in %) after every epoch. */
export class AccuracyChart {
  constructor(element) {
    this.element = element;
    const points = { show: true, size: 6 };
    this.plot = chart(element, [
      { label: "validation", stroke: "#60a5fa", width: 2, points, value: percentValue },
      { label: "test", stroke: "#4ade80", width: 2, points, value: percentValue },
    ], "accuracy (%)", (u, ticks) => ticks.map((t) => `${t}%`), WHOLE_EPOCHS);
    this.shown = -1;
  }

  render({ training }) {
    if (training.epochs === this.epochs && training.epochs.length === this.shown) return;
    this.epochs = training.epochs;
    this.shown = training.epochs.length;
    const percentOf = (v) => (v === null ? null : 100 * v);
    const epochs = training.epochs;
    this.plot.setData([epochs.map((e) => e.epoch),
                       epochs.map((e) => percentOf(e.validation_accuracy)),
                       epochs.map((e) => percentOf(e.test_accuracy))]);
    this.element.dataset.points = String(epochs.length);
  }
}
