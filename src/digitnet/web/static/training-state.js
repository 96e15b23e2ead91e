// A training run as the page knows it, folded from the server's events (see
// GET /api/training/events): what it trains, its state, every mini-batch cost (raw and
// smoothed), every epoch's record, and the network's pictures after the last epoch. Pure
// functions: main.js keeps the object in its state and the views draw it.

// The smoothed cost is an exponential moving average of the mini-batch costs, corrected for
// its start at 0 (as Adam corrects its moments): s_k = m_k / (1 - (1 - alpha)^k) with
// m_k = m_(k-1) + alpha (C_k - m_(k-1)). It averages about 1/alpha mini-batches: a tenth of an
// epoch, between 5 and 100 mini-batches.
const smoothing = (perEpoch) => Math.min(0.2, Math.max(0.01, 10 / perEpoch));

/** A training state before any run. */
export function emptyTraining() {
  return {
    run: null,          // the `run` event: config, dataset sizes, batches_per_epoch, digits...
    status: { state: "idle", message: "no run yet", batches: 0, epochs: 0, cost: null },
    costs: { x: [], raw: [], smooth: [], mean: 0, weight: 0 },  // x in epochs: (k + 1) / B
    epochs: [],         // every `epoch` event, in order
    latest: null,       // the network's pictures now: weights, outputs, answers
    version: 0,         // bumped by every event: views redraw only what changed
  };
}

function addCosts(costs, first, values, perEpoch) {
  const alpha = smoothing(perEpoch);
  values.forEach((cost, i) => {
    costs.x.push((first + i + 1) / perEpoch);
    costs.raw.push(cost);
    if (cost !== null && Number.isFinite(cost)) {  // a diverged cost is null: a gap
      costs.mean += alpha * (cost - costs.mean);
      costs.weight += alpha * (1 - costs.weight);  // 1 - (1 - alpha)^k
    }
    costs.smooth.push(costs.weight > 0 ? costs.mean / costs.weight : null);
  });
}

/** Fold one event (its kind and parsed data) into ``training``; returns it. */
export function applyEvent(training, kind, data) {
  if (kind === "run") {
    Object.assign(training, emptyTraining(), { run: data, latest: data.start });
    training.status = { ...training.status, run: data.run, state: data.state };
  } else if (kind === "state") {
    if (training.run && data.run !== training.run.run) return training;  // an older run's
    training.status = data;
    if (data.run === 0) training.run = null;  // idle: no run yet
  } else if (kind === "costs" && training.run) {
    addCosts(training.costs, data.first, data.costs, training.run.batches_per_epoch);
    training.status = { ...training.status, batches: data.first + data.costs.length,
                        cost: data.costs.at(-1) };
  } else if (kind === "epoch" && training.run) {
    training.epochs.push(data);
    training.latest = data;
    training.status = { ...training.status, epochs: data.epoch };
  }
  training.version += 1;
  return training;
}

/** The last epoch's diagnosis, or null before the first epoch. */
export const lastDiagnosis = (training) => training.epochs.at(-1)?.diagnosis ?? null;
