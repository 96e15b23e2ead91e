# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 3: Backpropagation, intuitively
#
# *For after chapter 3: 3Blue1Brown's "What is backpropagation really doing?", or the ideas of
# Nielsen's chapter 2 before its proofs. About 25 minutes.*
#
# Gradient descent needs the gradient: for each of the 13,002 weights and biases, which way and
# how much to nudge it. Backpropagation finds all of them at once, and the video explains it
# without a formula, as wishes passed backwards through the network. Here you follow that
# story with numbers, on a real digit:
#
# 1. one example's wishes for the output layer;
# 2. the three ways to raise a neuron's activation;
# 3. adding up the wishes of all output neurons, to get wishes for the layer before, and taking
#    one step with the wishes of this one example;
# 4. averaging the wishes of many examples;
# 5. checking that this is exactly the gradient, and why a mini-batch's wishes are good enough.
#
# Sections 1 to 4 compute each step twice: by `digitnet.explain`, which tells this story as data
# (the numbers the web page's panels show), and by hand, with a few lines of NumPy beside it and
# an assertion that the two agree.
#
# **The data.** As before: MNIST from `../shared/data/mnist` beside your checkout or from
# `$DIGITNET_DATA_DIR`, else the 5,000-digit sample that ships with digitnet's dependencies,
# announced in the first line of output.

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from digitnet import PRESETS, Network, check_gradients, one_hot, train
from digitnet.data import load_dataset
from digitnet.explain import batch_wishes, neuron_wishes, nudges, one_step

beside_checkout = Path("..", "..", "shared", "data", "mnist")  # seen from this lessons/ folder
data = load_dataset("default", data_dir=beside_checkout if beside_checkout.is_dir() else None,
                    download=False)
if data.name != "mnist":
    print("USING THE 5,000-DIGIT SAMPLE: full MNIST was not found, so the numbers below "
          "will differ a little from the text.")
print(data.description)

# %% [markdown]
# Start from the network of lesson 2, trained a little (one pass over 10,000 digits), so that
# its wishes are about details rather than everything at once. It works in float64 so that the
# checks below can be exact to many digits.

# %%
net = Network([784, 16, 16, 10], activation="sigmoid", output_activation="sigmoid",
              cost="quadratic", init="xavier", dtype=np.float64, seed=0)
recipe = PRESETS["3b1b"].replace(init="xavier", epochs=1, validation_size=0)
train(net, data.x_train[:10_000], data.y_train[:10_000], recipe)
L = net.num_layers - 1  # the output layer's index in net.weights: 2
print(net)

# %% [markdown]
# ## 1. One example's wishes for the output layer
#
# Show the network a 2. It cannot change its outputs directly, but it can wish: the "2" neuron
# should go up, the nine others down, and **in proportion to how far each is from its target**.
# With digitnet's cost `C = (1/2) sum_j (a_j - y_j)^2` the wished change of output j is
# `-(dC/da_j) = y_j - a_j`.
#
# `nudges(net, x, label)` returns what one example wishes: its `cost`, the network's `outputs`
# a, the `wanted` outputs y (1 for the right digit, 0 elsewhere), the `output_nudges` (the wished
# change of every output, `-(dC/da)`) and the `errors` of every layer (below).

# %%
x = data.x_train[data.y_train == 2][0]
told = nudges(net, x, 2)
a, wish = told.outputs, told.output_nudges  # (10,) each

# By hand: the forward pass, then y - a.
y = one_hot(np.array([2]))[0]
forward = net.forward(x[np.newaxis])  # every layer's z and a, for a batch of one
assert np.allclose(a, forward.output[0]) and np.array_equal(told.wanted, y)
assert np.allclose(wish, y - forward.output[0])
assert np.isclose(told.cost, 0.5 * np.sum((forward.output[0] - y) ** 2))
print(f"the cost of this 2: {told.cost:.4f}")

figure, axes = plt.subplots(1, 2, figsize=(11, 3), gridspec_kw={"width_ratios": [1, 4]})
axes[0].imshow(x.reshape(28, 28), cmap="gray")
axes[0].set_axis_off()
digits = np.arange(10)
axes[1].bar(digits - 0.2, a, width=0.4, label="output a")
axes[1].bar(digits + 0.2, wish, width=0.4, color=np.where(wish > 0, "tab:green", "tab:red"),
            label="wished change y - a")
axes[1].axhline(0, color="black", linewidth=0.5)
axes[1].set(xticks=digits, xlabel="output neuron", title="What this 2 wishes for the outputs")
axes[1].legend()
plt.show()
print("wished changes:", np.round(wish, 3))
assert wish[2] > 0 and (np.delete(wish, 2) < 0).all()

# %% [markdown]
# An output is `a_j = sigma(z_j)`, so a wish for `a_j` becomes a wish for its weighted sum `z_j`,
# scaled by how strongly `z_j` moves `a_j`: the slope `sigma'(z_j) = a_j (1 - a_j)`. A neuron
# that is almost exactly 0 or 1 hardly moves whatever `z_j` does, so its wish counts for little.
# This is the **error** of each output neuron, `delta_j = dC/dz_j` (the wish with its sign
# flipped: a positive delta means "lower z"). `told.errors` holds it for every layer, the output
# layer last; by hand it is the wish times the slope, and `net.output_error` computes it too.

# %%
delta_L = told.errors[L]  # (10,): the output layer's errors
assert np.allclose(delta_L, -wish * a * (1 - a))                        # by hand
assert np.allclose(delta_L, net.output_error(forward, y[np.newaxis])[0])  # the network's BP1
print("delta = dC/dz:", np.round(delta_L, 4))

# %% [markdown]
# ## 2. Three ways to raise a neuron's activation
#
# Take the neuron that should go up, output 2. Its weighted sum is
# `z = w_0 a_0 + w_1 a_1 + ... + w_15 a_15 + b`, where the `a_k` are the 16 activations of the
# last hidden layer and the `w_k` the weights from them. Three things can raise it:
#
# 1. **raise the bias** `b`: z goes up one for one;
# 2. **raise the weights**, `w_k` in proportion to `a_k`: the weights from bright neurons matter,
#    those from dark ones hardly at all ("neurons that fire together wire together");
# 3. **change the previous layer's activations**, `a_k` in proportion to `w_k`: up where the
#    weight is positive, down where it is negative. The network cannot set them directly, but it
#    can wish for them, and that wish travels back (section 3).

# %%
a_prev = forward.inputs[L][0]        # the 16 activations the output layer receives
w, b = net.weights[L][2], net.biases[L][2]
z = w @ a_prev + b
assert np.isclose(z, forward.zs[L][0, 2])

step = 0.01
raised = {
    "bias + 0.01": w @ a_prev + (b + step),
    "weights + 0.01 a_k": (w + step * a_prev) @ a_prev + b,
    "activations + 0.01 w_k": w @ (a_prev + step * w) + b,
}
for way, new_z in raised.items():
    print(f"{way:24s} raises z by {new_z - z:.5f}")
assert np.isclose(raised["bias + 0.01"] - z, step)
assert np.isclose(raised["weights + 0.01 a_k"] - z, step * a_prev @ a_prev)
assert np.isclose(raised["activations + 0.01 w_k"] - z, step * w @ w)

figure, axes = plt.subplots(1, 2, figsize=(12, 3))
hidden = np.arange(16)
axes[0].bar(hidden, a_prev)
axes[0].set(xticks=hidden, xlabel="hidden neuron k", title="a_k: how much raising w_k helps")
axes[1].bar(hidden, w, color=np.where(w > 0, "tab:green", "tab:red"))
axes[1].set(xticks=hidden, xlabel="hidden neuron k",
            title="w_k: which way a_k should move (and how much it helps)")
plt.show()

# %% [markdown]
# These are exactly the partial derivatives: `dz/db = 1`, `dz/dw_k = a_k`, `dz/da_k = w_k`. Times
# the error delta of the neuron, they give the cost's slopes, and with the sign flipped, the
# example's wishes. `neuron_wishes(net, x, label, layer, neuron)` returns the three ways for one
# neuron (layers are counted 1 to 3 here, the output layer is 3):
#
# * `bias_nudge`: the wished change of its bias, `-delta`;
# * `weight_nudges`: the weights it wants changed the most, as pairs (k, `-delta a_k`), the
#   largest first;
# * `activation_nudges`: the wished change of every activation of the layer before,
#   `-w_k delta` (one per hidden neuron; section 3 adds them up).

# %%
raise_2 = neuron_wishes(net, x, 2, layer=3, neuron=2, top=5)
print(f"output 2: delta {raise_2.delta:+.4f}, so it wants its bias changed by "
      f"{raise_2.bias_nudge:+.4f}")
print("the five weights it most wants changed (k, wish):",
      [(k, round(wish_k, 4)) for k, wish_k in raise_2.weight_nudges])
print("its wished changes of the 16 hidden activations:",
      np.round(raise_2.activation_nudges, 4))
# By hand: the three slopes times delta, with the sign flipped.
d = delta_L[2]
assert np.isclose(raise_2.delta, d) and np.isclose(raise_2.bias_nudge, -d)
assert np.allclose([wish_k for _, wish_k in raise_2.weight_nudges],
                   [-d * a_prev[k] for k, _ in raise_2.weight_nudges])
assert [k for k, _ in raise_2.weight_nudges] == list(np.argsort(-a_prev)[:5])  # brightest first
assert np.allclose(raise_2.activation_nudges, -d * w)

# %% [markdown]
# The network computes the same slopes when it learns: for this one example the slope of the
# cost for weight k is `dC/dw_k = delta a_k`, the weight's wish with the sign flipped.
# `net.backward` takes the output errors and returns, layer by layer, the errors (`.delta`) and
# what the layer received (`.inputs`), and from those the gradient (`.weights`, `.biases`).

# %%
gradient = net.backward(forward, net.output_error(forward, y[np.newaxis]))
last = gradient.layers[L]
assert np.allclose(last.weights[2], delta_L[2] * a_prev)  # dC/dw_k = delta a_k
assert np.allclose(last.biases[2], delta_L[2])           # dC/db = delta
for k, wish_k in raise_2.weight_nudges:
    assert np.isclose(-last.weights[2, k], wish_k)       # the wishes, signs flipped
print("dC/dw for the 16 weights into output 2:", np.round(last.weights[2], 4))

# %% [markdown]
# ## 3. Adding up the wishes of all output neurons
#
# Every output neuron has a wish for each hidden neuron k of the last hidden layer: through the
# weight `w_jk`, output j would like `a_k` to change by `-w_jk delta_j`. Output 2 wants more of
# the hidden neurons that feed it positively and less of those that feed it negatively; an output
# that should go down wants the opposite. A hidden neuron gets all ten wishes at once, and they
# **add up**. (Outputs that are already right and sure have tiny errors: their rows are pale.)
#
# `neuron_wishes` for output j gives its wishes for the hidden neurons as `activation_nudges`,
# and the wishes of all ten outputs added up as `summed_nudges`.

# %%
every_output = [neuron_wishes(net, x, 2, layer=3, neuron=j) for j in range(10)]
wishes = np.array([output.activation_nudges for output in every_output])  # (10, 16): j's for k
total = every_output[2].summed_nudges       # (16,): the wish for each hidden neuron

# By hand: -w_jk delta_j for every output j and hidden neuron k, then the sum over j.
W = net.weights[L]                          # (10, 16): w_jk, output j, hidden k
assert np.allclose(wishes, -W * delta_L[:, np.newaxis])
assert np.allclose(total, wishes.sum(axis=0))

figure, axes = plt.subplots(2, 1, figsize=(10, 6), gridspec_kw={"height_ratios": [3, 1.4]})
limit = np.abs(wishes).max()
axes[0].imshow(wishes, cmap="RdYlGn", vmin=-limit, vmax=limit, aspect="auto")
axes[0].set(yticks=digits, xticks=hidden, ylabel="output neuron j",
            title="Output j's wished change for hidden neuron k (green: up, red: down)")
axes[1].bar(hidden, total, color=np.where(total > 0, "tab:green", "tab:red"))
axes[1].set(xticks=hidden, xlim=(-0.5, 15.5), xlabel="hidden neuron k",
            title="Added up: the wish for each hidden neuron")
plt.tight_layout()
plt.show()

# %% [markdown]
# Added up, the wishes are `-(W^T delta)`: the errors of the output layer sent back along the
# same weights, transposed. Scaled once more by each hidden neuron's slope `sigma'(z_k)`, they
# are that layer's errors, and from there the whole story repeats one layer further back: the
# errors of a layer give the wishes for its weights and biases, and, added up, the wishes for the
# layer before. That recursion is **backpropagation**. `net.backward` did exactly this.

# %%
assert np.allclose(-total, W.T @ delta_L)
delta_hidden = -total * a_prev * (1 - a_prev)  # times sigma'(z) = a (1 - a)
assert np.allclose(delta_hidden, gradient.layers[L - 1].delta[0])
assert np.allclose(delta_hidden, told.errors[L - 1])  # the errors nudges() gave in section 1
print("errors of the last hidden layer, from the wishes:", np.round(delta_hidden, 4))
print("errors from net.backward:                       ",
      np.round(gradient.layers[L - 1].delta[0], 4))

# %% [markdown]
# ### Take one step
#
# The wishes of this 2 for every weight and bias, all 13,002 of them, are minus the gradient of
# its own cost. Grant them: one step of gradient descent, `w <- w - eta dC_x/dw` for every
# parameter, with the learning rate `eta = 3` of the video's recipe. `one_step(net, x, label,
# learning_rate)` takes it on a copy of the network (the network itself does not change) and
# returns the cost of the example before and after (`cost_before`, `cost_after`), the outputs
# before and after (`outputs_before`, `outputs_after`) and the stepped copy (`network`).

# %%
step = one_step(net, x, 2, learning_rate=3.0)
print(f"the cost of this 2: {step.cost_before:.4f} before the step, {step.cost_after:.4f} after; "
      f"output 2 went from {step.outputs_before[2]:.3f} to {step.outputs_after[2]:.3f}")
assert step.cost_after < step.cost_before and step.outputs_after[2] > step.outputs_before[2]

# By hand: the gradient of this one example, and every parameter moved against it.
by_hand = net.copy()
for parameter, slope in zip(by_hand.parameters(),
                            [g for pair in net.gradients(x[np.newaxis], y[np.newaxis])
                             for g in pair]):  # W_0, b_0, W_1, b_1, W_2, b_2
    parameter -= 3.0 * slope
for mine, theirs in zip(by_hand.parameters(), step.network.parameters()):
    assert np.allclose(mine, theirs)
assert np.isclose(by_hand.cost_value(x[np.newaxis], y[np.newaxis]), step.cost_after)

others = data.x_train[:100][data.y_train[:100] != 2]  # the digits of the next section, not 2s
lean = net.feedforward(others)[:, 2].mean(), step.network.feedforward(others)[:, 2].mean()
print(f"on {len(others)} other digits, the mean of output 2 went from {lean[0]:.3f} to "
      f"{lean[1]:.3f}")
assert lean[1] > lean[0]

figure, axis = plt.subplots(figsize=(8, 3))
axis.bar(digits - 0.2, step.outputs_before, width=0.4, label="before the step")
axis.bar(digits + 0.2, step.outputs_after, width=0.4, label="after")
axis.set(xticks=digits, xlabel="output neuron", title="One step on this 2's wishes")
axis.legend()
plt.show()

# %% [markdown]
# ## 4. Averaging over examples
#
# The step did what this 2 wished: its cost fell, and the network is surer that it is a 2. But it
# also leans towards 2 on the other digits. One example wants the network to get better at
# *this* 2, at any cost to the others: left alone, it would make the network call everything
# a 2. Every training example has its own wishes for every weight and bias, and the change the
# network actually makes is their **average**. Here are the wishes of 100 examples for the 160
# weights of the output layer: each example's `dC_x/dw_jk = delta_j a_k`, from the `delta` and
# `inputs` that `net.backward` keeps for every example of a batch.

# %%
X, labels = data.x_train[:100], data.y_train[:100]
Y = one_hot(labels)
forward = net.forward(X)
gradient = net.backward(forward, net.output_error(forward, Y))
last = gradient.layers[L]
print(f"delta {last.delta.shape}: one row of errors per example; inputs {last.inputs.shape}")
each = last.delta[:, :, np.newaxis] * last.inputs[:, np.newaxis, :]  # (100, 10, 16)
average = each.mean(axis=0)
assert np.allclose(average, last.weights)  # the average of the wishes IS the gradient

examples = [int(np.flatnonzero(labels == 2)[0]), int(np.flatnonzero(labels == 7)[0])]
figure, axes = plt.subplots(1, 3, figsize=(13, 3.4))
for axis, (title, wished) in zip(axes, (
        (f"a {labels[examples[0]]} wishes", -each[examples[0]]),
        (f"a {labels[examples[1]]} wishes", -each[examples[1]]),
        ("the average of all 100", -average))):
    limit = np.abs(wished).max()
    axis.imshow(wished, cmap="RdYlGn", vmin=-limit, vmax=limit, aspect="auto")
    axis.set(title=title, xlabel="hidden neuron k", ylabel="output neuron j", yticks=digits)
figure.suptitle("Wished changes of the output layer's weights (green: up, red: down)")
plt.show()

# %% [markdown]
# Look at one weight, the one from hidden neuron k into output 2 that the 100 examples want
# changed the most on average. `batch_wishes(net, X, labels, layer, neuron, input)` returns every
# example's wish for it (`nudges`, one per example), their `average`, and the mini-batch
# `gradient` that backpropagation computes on the whole batch at once: the average is minus the
# gradient. (Without `input` it does the same for the neuron's bias.)

# %%
k = int(np.argmax(np.abs(average[2])))
one_weight = batch_wishes(net, X, labels, layer=3, neuron=2, input=k)
print(f"the weight from hidden neuron {k} into output 2: the wishes of the 2s average "
      f"{one_weight.nudges[labels == 2].mean():+.5f}, of the other digits "
      f"{one_weight.nudges[labels != 2].mean():+.5f}; all 100: {one_weight.average:+.5f}, "
      f"and the gradient is {one_weight.gradient:+.5f}")
# By hand: each example's delta_2 a_k from net.backward, with the sign flipped, and their mean.
assert np.allclose(one_weight.nudges, -each[:, 2, k])
assert np.isclose(one_weight.average, -average[2, k])
assert np.isclose(one_weight.gradient, last.weights[2, k])
assert np.isclose(one_weight.average, -one_weight.gradient)

figure, axis = plt.subplots(figsize=(8, 3))
spread = np.random.default_rng(0).uniform(-0.2, 0.2, len(labels))  # to see every point
axis.scatter(labels + spread, one_weight.nudges, s=12,
             c=np.where(one_weight.nudges > 0, "tab:green", "tab:red"))
axis.axhline(one_weight.average, color="black", linewidth=1,
             label=f"the average: {one_weight.average:+.4f}")
axis.set(xticks=digits, xlabel="the example's digit", ylabel="wished change",
         title=f"100 examples' wishes for the weight from hidden neuron {k} into output 2")
axis.legend()
plt.show()

# %% [markdown]
# The 2s pull this weight one way and the other digits the other, some of them hard (often those
# the network was closest to taking for a 2): the network moves it by the average of that tug of
# war.
#
# The first layer tells the same story in pictures. The wish of one example for the 784 weights
# of a first-layer neuron is `-delta_j x`: **the image itself**, scaled by how much (and which
# way) the example wants that neuron to change. The average over 100 examples is that neuron's
# gradient.

# %%
first = gradient.layers[0]
j = 0
figure, axes = plt.subplots(1, 5, figsize=(12, 2.8))
for axis, i in zip(axes[:4], range(4)):
    picture = -first.delta[i, j] * X[i]
    limit = np.abs(picture).max() or 1.0
    axis.imshow(picture.reshape(28, 28), cmap="RdYlGn", vmin=-limit, vmax=limit)
    axis.set_title(f"a {labels[i]} wishes", fontsize=9)
picture = -first.weights[j]
limit = np.abs(picture).max()
axes[4].imshow(picture.reshape(28, 28), cmap="RdYlGn", vmin=-limit, vmax=limit)
axes[4].set_title("average of 100", fontsize=9)
for axis in axes:
    axis.set_axis_off()
figure.suptitle(f"Wished changes of hidden neuron {j}'s 784 weights")
plt.show()
assert np.allclose(np.mean(first.delta[:, j, np.newaxis] * X, axis=0), first.weights[j])

# %% [markdown]
# ## 5. Checking that this is the gradient
#
# Two checks. First, everything above, examples' wishes added up neuron by neuron and averaged,
# is what `net.gradients(X, Y)` returns for the whole network. Second, that gradient matches the
# definition of a derivative: nudge one parameter by a tiny `h` both ways and measure the cost,
# `(C(w + h) - C(w - h)) / 2h`. `check_gradients` does this for all 13,002 parameters (on 10
# examples, to be quick) and reports the largest relative difference.

# %%
pairs = net.gradients(X, Y)
for layer, (dW, db) in enumerate(pairs):
    mine = gradient.layers[layer]
    assert np.allclose(dW, np.mean(mine.delta[:, :, None] * mine.inputs[:, None, :], axis=0))
    assert np.allclose(db, mine.delta.mean(axis=0))
print("the averaged wishes are net.gradients(X, Y), layer by layer")

h = 1e-6
weights = net.weights[L]
weights[2, 0] += h
cost_up = net.cost_value(X, Y)
weights[2, 0] -= 2 * h
cost_down = net.cost_value(X, Y)
weights[2, 0] += h
numerical = (cost_up - cost_down) / (2 * h)
print(f"one weight: backpropagation says {pairs[L][0][2, 0]:.10f}, "
      f"nudging it says {numerical:.10f}")
assert np.isclose(pairs[L][0][2, 0], numerical, rtol=1e-6, atol=1e-12)

check = check_gradients(net, X[:10], Y[:10])
print(f"all {check.num_checked:,} parameters: largest relative difference "
      f"{check.max_relative_error:.1e}")
assert check.num_checked == 13_002 and check.passed()

# %% [markdown]
# ### Why a mini-batch is enough
#
# Averaging the wishes of all 60,000 examples for every single step would be slow. Stochastic
# gradient descent averages a small random mini-batch instead: a rough estimate of the true
# gradient. How rough? Compare the direction of mini-batch gradients with the gradient of 10,000
# examples (the cosine of the angle between them: 1 is the same direction, 0 unrelated).

# %%
def flat(pairs):
    return np.concatenate([g.ravel() for pair in pairs for g in pair])


X_all, Y_all = data.x_train[:10_000], one_hot(data.y_train[:10_000])
true_direction = flat(net.gradients(X_all, Y_all))
rng = np.random.default_rng(0)
sizes, agreement = (1, 10, 100, 1000), []
for size in sizes:
    cosines = []
    for _ in range(20):
        rows = rng.choice(len(X_all), size, replace=False)
        g = flat(net.gradients(X_all[rows], Y_all[rows]))
        cosines.append(g @ true_direction / (np.linalg.norm(g) * np.linalg.norm(true_direction)))
    agreement.append(np.mean(cosines))
    print(f"mini-batch of {size:4d}: cosine with the true gradient {agreement[-1]:.2f} on average")

figure, axis = plt.subplots(figsize=(7, 3))
axis.semilogx(sizes, agreement, "o-")
axis.set(xlabel="mini-batch size", ylabel="cosine with the true gradient", ylim=(0, 1),
         title="Bigger mini-batches point closer to downhill")
axis.grid(alpha=0.3)
plt.show()
assert np.all(np.diff(agreement) > 0)

# %% [markdown]
# One example alone points barely closer to downhill than a random direction would; 10 already
# do much better, and 100 point most of the way, for a hundredth of the work of 10,000. Each
# step of SGD is a little off, but the errors of successive steps point every which way and
# largely cancel: that is why the drunk walk gets down the hill.
#
# ## Try this
#
# 1. **A mistake.** Find a training digit the network gets wrong and look at its output wishes
#    (section 1). Which output wishes to go down the most?
# 2. **Too sure to learn.** The error `delta = (a - y) sigma'(z)` is small when the neuron is
#    saturated, even if it is badly wrong. Among 1,000 examples, compare `a - y` with `delta`
#    for the correct digit's output. Which examples teach the network the least, for how wrong
#    they are?
# 3. **Black pixels wish nothing.** In the first-layer pictures of section 4 the background
#    stays pale (no wish). Show that an example's wish for a weight from a black pixel is exactly 0,
#    and say why from the three ways of section 2.
#
# ## Answers
#
# **1.** The output that wishes to go down the most is the wrong answer the network gave: it is
# the brightest output, and its target is 0.

# %%
X_many, labels_many = data.x_train[:1000], data.y_train[:1000]
wrong = int(np.flatnonzero(net.predict(X_many) != labels_many)[0])
a = net.feedforward(X_many[wrong])
wish = one_hot(labels_many[wrong:wrong + 1])[0] - a
print(f"example {wrong} is a {labels_many[wrong]}, the network says {np.argmax(a)}; "
      f"wished changes {np.round(wish, 2)}")
assert np.argmin(wish) == np.argmax(a)

figure, axes = plt.subplots(1, 2, figsize=(9, 2.6), gridspec_kw={"width_ratios": [1, 3]})
axes[0].imshow(X_many[wrong].reshape(28, 28), cmap="gray")
axes[0].set_axis_off()
axes[1].bar(digits, wish, color=np.where(wish > 0, "tab:green", "tab:red"))
axes[1].set(xticks=digits, title=f"a {labels_many[wrong]} taken for a {np.argmax(a)}: its wishes")
plt.show()

# %% [markdown]
# **2.** The examples whose correct output is near 0, the ones the network is most sure are
# *not* that digit, have `a - y` near -1, the largest possible mistake, yet a tiny error delta:
# `sigma'(z) = a (1 - a)` is near 0 there. The quadratic cost learns slowest from its worst
# mistakes. (Nielsen's chapter 3 fixes this with the cross-entropy cost, whose delta is `a - y`.)

# %%
forward = net.forward(X_many)
targets = one_hot(labels_many)
rows = np.arange(len(labels_many))
mistake = (forward.output - targets)[rows, labels_many]
error = net.output_error(forward, targets)[rows, labels_many]
worst = np.argmin(mistake)
print(f"worst example: a - y = {mistake[worst]:.3f} but delta = {error[worst]:.5f}; the "
      f"biggest delta of all is {np.abs(error).max():.3f}")
assert abs(error[worst]) < 0.5 * np.abs(error).max()

figure, axis = plt.subplots(figsize=(6, 3.5))
axis.scatter(mistake, error, s=6)
axis.set(xlabel="a - y for the correct digit", ylabel="delta = (a - y) sigma'(z)",
         title="The worst mistakes have small errors")
axis.grid(alpha=0.3)
plt.show()

# %% [markdown]
# **3.** Way 2 of section 2: the wish for a weight is the neuron's error times the activation it
# multiplies, `delta_j x_k`. A black pixel has `x_k = 0`, so raising or lowering its weight does
# not change `z_j` at all, and the example has no wish for it.

# %%
first = net.backward(net.forward(X[:1]), net.output_error(net.forward(X[:1]), Y[:1])).layers[0]
black = X[0] == 0
print(f"{black.sum()} black pixels; the example's wishes for their weights: "
      f"{np.unique(first.weights[:, black])}")
assert (first.weights[:, black] == 0).all()
