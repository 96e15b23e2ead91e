// The "How it learns from this example" panel's part of the page's state, `state.backprop`:
//
//   prediction   the prediction it was opened for; once another input is shown it is stale
//   example      what every request sends: { pixels, label } or { test_index, label }
//   result       POST /api/backprop: the cost, the outputs, their nudges, every layer's error
//   lit          layers of the backward pass lit on the network, counted from the output
//                (1: the output layer only; L + 1: every layer and the input)
//   wishes       POST /api/backprop with a neuron: its three ways (wishesKey: "layer/index")
//   connection   the weight chosen { layer, neuron, input }, and chain: its chain rule (or
//                { problem }: why there is none)
//   step         POST /api/backprop/step;  batch: POST /api/backprop/batch (batchOf: for what)

/** The open panel's state, or null when it is closed or was opened for another input. */
export function current(state) {
  const bp = state.backprop;
  return bp && bp.prediction === state.prediction && state.prediction ? bp : null;
}

/** The number of layers of weights, L (the output layer is layer L). */
export const depth = (bp) => bp.result.errors.length;

/** A neuron's name in a sentence: "pixel (row 3, column 7)", "neuron 5 of layer 2"... */
export function neuronName(model, layer, index) {
  const L = model.layers.length - 1, side = model.image_side;
  if (layer === 0 && side) {
    return `pixel (row ${Math.floor(index / side)}, column ${index % side})`;
  }
  if (layer === 0) return `input ${index}`;
  if (layer === L) return `output neuron ${index} (the digit ${index})`;
  return `neuron ${index} of hidden layer ${layer}`;
}
