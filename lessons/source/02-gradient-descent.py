# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 2: Gradient descent
#
# *For after chapter 2: 3Blue1Brown's "Gradient descent, how neural networks learn", or
# Nielsen's chapter 1 from "Learning with gradient descent". About 25 minutes.*
#
# A network with random weights answers at random. Learning means changing its 13,002 weights
# and biases until it answers well, and "well" needs a number: the **cost**. Then learning is
# walking downhill on the cost, one small step at a time, in the direction the **gradient** says.
# In this lesson you:
#
# 1. compute the cost of one example, then of the whole training set;
# 2. look at the gradient as a list of 13,002 nudges: their signs, and their sizes;
# 3. walk downhill on a slice of the cost with just two weights free, where you can see the
#    landscape; then with all 13,002, on a plane through them (`digitnet.explain.landscape`);
# 4. compare full-batch gradient descent with stochastic gradient descent on mini-batches;
# 5. try a learning rate that is too small, one that is right, and one that is too large;
# 6. see what the trained network does with random noise, and what it "thinks" a digit looks
#    like.
#
# **The data.** As in lesson 1: MNIST from `../shared/data/mnist` beside your checkout or from
# `$DIGITNET_DATA_DIR`, else the 5,000-digit sample that ships with digitnet's dependencies,
# announced in the first line of output (the numbers then differ a little from the text).

# %%
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from digitnet import PRESETS, Network, accuracy, one_hot, train
from digitnet.data import load_dataset
from digitnet.explain import landscape

beside_checkout = Path("..", "..", "shared", "data", "mnist")  # seen from this lessons/ folder
data = load_dataset("default", data_dir=beside_checkout if beside_checkout.is_dir() else None,
                    download=False)
if data.name != "mnist":
    print("USING THE 5,000-DIGIT SAMPLE: full MNIST was not found, so the numbers below "
          "will differ a little from the text.")
print(data.description)

# %% [markdown]
# ## 1. The cost of one example
#
# Take the network of lesson 1 with random weights and show it a digit. Its ten outputs should be
# 0 everywhere except a 1 at the right digit: that wish is the **desired output** `y`
# (`one_hot(labels)` makes these rows). The cost of this one example is how far the output is
# from it, as the video defines it: the sum of the squared differences,
# `(a_0 - y_0)^2 + ... + (a_9 - y_9)^2`. Small when the network is right and sure, large when it
# is wrong or unsure.
#
# (The network starts from smaller random weights than in lesson 1, `init="xavier"`, so that its
# neurons do not start saturated; it is otherwise the same 784-16-16-10 network. It works in
# float64, 16 significant digits, so that even tiny changes of the cost show.)

# %%
net = Network([784, 16, 16, 10], activation="sigmoid", output_activation="sigmoid",
              cost="quadratic", init="xavier", dtype=np.float64, seed=0)
x, label = data.x_train[0], data.y_train[0]
y = one_hot(np.array([label]))[0]                 # the desired output: 1 at the right digit
a = net.feedforward(x)                            # what the network says
cost_of_x = np.sum((a - y) ** 2)
print(f"a {label}; output {np.round(a, 2)}; cost {cost_of_x:.3f}")

figure, axis = plt.subplots(figsize=(8, 3))
digits = np.arange(10)
axis.bar(digits - 0.2, a, width=0.4, label="output a")
axis.bar(digits + 0.2, y, width=0.4, label="desired y")
axis.set(xticks=digits, xlabel="output neuron", title=f"A {label}: cost = sum of "
         f"(a - y)^2 = {cost_of_x:.2f}")
axis.legend()
plt.show()

# %% [markdown]
# digitnet's `quadratic` cost, which the network above was made with, is **half** of this sum,
# as in Nielsen's book: `C_x = (1/2) ||a - y||^2`. The 1/2 changes nothing about where the
# cost is smallest; it only makes the slope formulas one factor of 2 simpler. The 784 input
# numbers go in as one row of a batch: `net.cost_value(X, Y)` takes rows of inputs and rows of
# desired outputs.

# %%
assert np.isclose(net.cost_value(x[np.newaxis], y[np.newaxis]), cost_of_x / 2)
print(f"digitnet's quadratic cost of this example: {cost_of_x / 2:.4f} = half the sum")

# %% [markdown]
# ## 2. The cost of the whole training set
#
# One example says little: the network should do well on all of them. The cost of the network
# is the **average** of the examples' costs. It is a function of the 13,002 weights and biases
# (the data stays fixed): one number that says how bad the network is.

# %%
X, labels = data.x_train[:2000], data.y_train[:2000]
Y = one_hot(labels)                                                  # (2000, 10)
each = 0.5 * np.sum((net.feedforward(X) - Y) ** 2, axis=1)           # one cost per example
print(f"cost over {len(X):,} examples: {net.cost_value(X, Y):.4f} "
      f"= the mean of the {len(each):,} costs ({each.mean():.4f})")
assert np.isclose(net.cost_value(X, Y), each.mean())

figure, axis = plt.subplots(figsize=(8, 2.8))
axis.hist(each, bins=50)
axis.set(xlabel="cost of one example", ylabel="examples", title="Every example's cost, "
         "before learning")
plt.show()

# %% [markdown]
# ## 3. The gradient: a list of 13,002 nudges
#
# The gradient of the cost says, for every weight and bias, how much the cost changes when that
# one number changes a little: `dC/dw`. digitnet computes it with backpropagation (the next two
# lessons): `net.gradients(X, Y)` gives one pair (dC/dW, dC/db) per layer, shaped like the
# weights and biases. Laid end to end, it is a list of 13,002 numbers, one per parameter.

# %%
pairs = net.gradients(X, Y)
gradient = np.concatenate([g.ravel() for pair in pairs for g in pair])  # (13002,)
print(f"{gradient.size:,} partial derivatives; {np.sum(gradient < 0):,} negative, "
      f"{np.sum(gradient > 0):,} positive, {np.sum(gradient == 0):,} exactly zero")
assert gradient.size == net.num_parameters == 13_002

# %% [markdown]
# Read each entry as a **nudge**. Its **sign** says which way to move that parameter to lower the
# cost: a negative dC/dw means "raise w", a positive one "lower w". Its **size** says how much it
# matters: the cost is far more sensitive to some weights than to others. Sorted by size, the
# nudges span many powers of ten:

# %%
sizes = np.sort(np.abs(gradient))[::-1]
share = np.cumsum(sizes**2) / np.sum(sizes**2)
top = int(np.searchsorted(share, 0.5)) + 1
print(f"the largest {top} of the 13,002 entries make up half of the gradient's squared length")

figure, axis = plt.subplots(figsize=(8, 3))
axis.semilogy(sizes + 1e-20)
axis.set(xlabel="parameters, most important first", ylabel="|dC/dw| (log scale)",
         title="Some weights matter more than others")
plt.show()


# %%
def parameter(network, k):
    """The array and index of parameter k, in the order of the gradient list above."""
    for array in network.parameters():  # W_0, b_0, W_1, b_1, W_2, b_2
        if k < array.size:
            return array, np.unravel_index(k, array.shape)
        k -= array.size
    raise IndexError(k)


def nudge(network, k, step):
    """The cost over (X, Y) after parameter k moves by ``step``, minus the cost before."""
    array, index = parameter(network, k)
    before = network.cost_value(X, Y)
    array[index] += step
    after = network.cost_value(X, Y)
    array[index] -= step  # put it back
    return after - before


step = 0.01
biggest = int(np.argmax(np.abs(gradient)))
ordinary = int(np.argsort(np.abs(gradient))[gradient.size // 2])  # a median one
for name, k in (("the most important", biggest), ("an ordinary", ordinary)):
    downhill = -step * np.sign(gradient[k])
    change = nudge(net, k, downhill)
    print(f"{name:18s} parameter: dC/dw = {gradient[k]:+.2e}; moving it by {downhill:+.2f} "
          f"changes the cost by {change:+.2e} "
          f"(the gradient predicts {gradient[k] * downhill:+.2e})")
    if k == biggest:
        big_change = change
        assert change < 0 and np.isclose(change, gradient[k] * downhill, rtol=0.1)
assert abs(big_change) > 100 * abs(nudge(net, ordinary, downhill))

# %% [markdown]
# The same small move of one weight changes the cost hundreds of times more for one weight than
# for another, and in both cases by what the gradient predicted: dC/dw times the move.
#
# ## 4. Walking downhill on a slice: two weights free
#
# 13,002 dimensions cannot be drawn. But fix all parameters except two, and the cost becomes a
# function of two numbers: a landscape you can see. To make it interesting, first train a
# network a little (one pass over 5,000 digits with the video's recipe), then free the two
# weights with the largest gradient in the second and third layers. (From here on the networks
# work in float32, digitnet's default: 7 significant digits are plenty, and it is faster.)

# %%
net = Network([784, 16, 16, 10], init="xavier", seed=0)
recipe = PRESETS["3b1b"].replace(init="xavier", epochs=1, validation_size=0)
train(net, data.x_train[:5000], data.y_train[:5000], recipe)
X, Y = data.x_train[:500], one_hot(data.y_train[:500])  # the slice is drawn on 500 examples
pairs = net.gradients(X, Y)
first = (net.weights[1], np.unravel_index(np.argmax(np.abs(pairs[1][0])), pairs[1][0].shape))
second = (net.weights[2], np.unravel_index(np.argmax(np.abs(pairs[2][0])), pairs[2][0].shape))
start = (first[0][first[1]], second[0][second[1]])


def cost_at(u, v):
    """The cost over (X, Y) with the two free weights set to u and v (then put back)."""
    first[0][first[1]], second[0][second[1]] = u, v
    cost = net.cost_value(X, Y)
    first[0][first[1]], second[0][second[1]] = start
    return cost


us = np.linspace(start[0] - 8, start[0] + 8, 31)
vs = np.linspace(start[1] - 8, start[1] + 8, 31)
slice_costs = np.array([[cost_at(u, v) for u in us] for v in vs])  # (31, 31): rows are v
print(f"the two weights start at {start[0]:.2f} and {start[1]:.2f}; the cost on this slice "
      f"ranges from {slice_costs.min():.3f} to {slice_costs.max():.3f}")

# %% [markdown]
# Gradient descent from the starting point: compute the gradient, and move the two free weights
# a step against it, `w <- w - eta dC/dw`, again and again. `eta` is the **learning rate**, the
# size of the step per unit of slope. Here are three of them.


# %%
def descend(eta, steps=30):
    """The path (u, v, cost) of gradient descent on the two free weights."""
    path = []
    for _ in range(steps):
        path.append((first[0][first[1]], second[0][second[1]], net.cost_value(X, Y)))
        pairs = net.gradients(X, Y)
        first[0][first[1]] -= eta * pairs[1][0][first[1]]
        second[0][second[1]] -= eta * pairs[2][0][second[1]]
    path.append((first[0][first[1]], second[0][second[1]], net.cost_value(X, Y)))
    first[0][first[1]], second[0][second[1]] = start  # back to the start for the next run
    return np.array(path)


paths = {eta: descend(eta) for eta in (5.0, 100.0, 400.0)}
figure, axes = plt.subplots(1, 2, figsize=(13, 5))
shading = axes[0].contourf(us, vs, slice_costs, levels=30, cmap="viridis")
figure.colorbar(shading, ax=axes[0], label="cost")
for (eta, path), name in zip(paths.items(), ("too small", "about right", "too large")):
    axes[0].plot(path[:, 0], path[:, 1], "o-", markersize=3, label=f"eta {eta:g}: {name}")
    axes[1].plot(path[:, 2], "o-", markersize=3, label=f"eta {eta:g}: {name}")
    print(f"eta {eta:5g} ({name}): cost {path[0, 2]:.4f} -> {path[-1, 2]:.4f}")
axes[0].set(xlim=(us[0], us[-1]), ylim=(vs[0], vs[-1]), title="The cost on a slice: two "
            "weights free", xlabel="a weight of layer 2", ylabel="a weight of layer 3")
axes[1].set(xlabel="step", ylabel="cost", title="The cost along each path")
axes[0].legend(loc="lower left")
axes[1].legend()
plt.show()
small, right, large = (path[-1, 2] for path in paths.values())
assert right < paths[100.0][0, 2]       # downhill: the cost fell
assert right < small and right < large  # and the middle learning rate did best

# %% [markdown]
# With a tiny learning rate the ball creeps and is still far from the valley after 30 steps.
# With a good one it rolls in and settles. With a large one each step overshoots: it jumps across
# the valley, or out of it, and the cost goes up and down instead of falling.
#
# ### The same walk with all 13,002 free: a plane through the landscape
#
# Two weights were a slice we chose. When every parameter moves, the walk goes through 13,002
# dimensions, and no picture holds them, but a **plane** through the starting point does. Lay
# all the weights and biases end to end in one long vector `theta` (as the gradient in
# section 3), pick two directions `d_1` and `d_2` in that space, and the cost is again a function
# of two numbers:
#
#     C(alpha, beta) = C(theta_0 + alpha d_1 + beta d_2)
#
# `digitnet.explain.landscape(net, X, labels, learning_rate, mini_batch_size, steps)` draws it.
# From the network it walks downhill twice, on copies, `steps` steps each, every parameter at
# once: **full-batch** gradient descent (the gradient over all the examples at every step) and
# **SGD** on mini-batches (the gradient of just 10 examples, another 10 at each step; more on it
# in section 5). For `d_1` and `d_2` it takes the two directions the walks move along the most,
# so that they lie nearly in the plane, and computes the cost on a grid over it. It returns:
#
# * `alphas` and `betas`: the grid's coordinates along `d_1` and `d_2` (the network is at 0, 0);
# * `costs[i, j]`: the cost at (`alphas[j]`, `betas[i]`) over all the examples;
# * `walks`: the two walks, each with its `name`, its `coordinates` on the plane (one row per
#   point, from 0, 0) and its `costs` (the true cost at each point).

# %%
plane = landscape(net, X, data.y_train[:500], learning_rate=3.0, mini_batch_size=10, steps=30)
full_walk, sgd_walk = plane.walks
print(f"a {plane.costs.shape[0]} x {plane.costs.shape[1]} grid of costs from "
      f"{plane.costs.min():.3f} to {plane.costs.max():.3f}")

figure, axes = plt.subplots(1, 2, figsize=(13, 5))
shading = axes[0].contourf(plane.alphas, plane.betas, plane.costs, levels=30, cmap="viridis")
figure.colorbar(shading, ax=axes[0], label="cost")
for walk, style in zip(plane.walks, ("o-", ".-")):
    axes[0].plot(walk.coordinates[:, 0], walk.coordinates[:, 1], style, markersize=3,
                 label=walk.name)
    axes[1].plot(walk.costs, style, markersize=3, label=walk.name)
    print(f"{walk.name}: cost {walk.costs[0]:.4f} -> {walk.costs[-1]:.4f}, "
          f"{np.sum(np.diff(walk.costs) > 0)} steps uphill")
axes[0].set(title="The cost on a plane through all 13,002 parameters", xlabel="alpha (d_1)",
            ylabel="beta (d_2)")
axes[1].set(xlabel="step", ylabel="cost", title="The cost along each walk")
axes[0].legend(loc="lower left")
axes[1].legend()
plt.show()
assert (np.diff(full_walk.costs) <= 1e-6).all()  # full batch, a small step: never uphill
assert (np.diff(sgd_walk.costs) > 0).any()       # SGD stumbles
assert full_walk.costs[-1] < full_walk.costs[0] and sgd_walk.costs[-1] < sgd_walk.costs[0]

# %% [markdown]
# **By hand.** The full-batch walk is nothing but `w <- w - eta dC/dw` for every parameter, with
# the gradient from `net.gradients`: here it is in five lines, walked on another copy. Its costs
# are the walk's, and the centre of the grid is the cost of the network we started from.


# %%
def step_downhill(network, X, Y, eta):
    """One step of gradient descent on the batch (X, Y): every w <- w - eta dC/dw."""
    gradient = [g for pair in network.gradients(X, Y) for g in pair]
    for w, dC_dw in zip(network.parameters(), gradient):  # same order: W_0, b_0, W_1, ...
        w -= eta * dC_dw


walker = net.copy()
by_hand = [walker.cost_value(X, Y)]
for _ in range(30):
    step_downhill(walker, X, Y, eta=3.0)
    by_hand.append(walker.cost_value(X, Y))
centre = len(plane.alphas) // 2
print(f"cost after 30 steps: by hand {by_hand[-1]:.6f}, landscape's walk "
      f"{full_walk.costs[-1]:.6f}; grid centre {plane.costs[centre, centre]:.6f}, the network "
      f"{net.cost_value(X, Y):.6f}")
assert np.allclose(by_hand, full_walk.costs, rtol=1e-4)
assert np.isclose(plane.costs[centre, centre], net.cost_value(X, Y), rtol=1e-5)

# %% [markdown]
# The full-batch walk goes smoothly downhill and never up. The SGD walk stumbles, uphill now and
# then, since each step follows only 10 examples; yet it ends nearly as low, and each of its steps
# looked at 10 examples instead of 500: fifty times less work. (The walks are not exactly in the
# plane, only close to it, so the colour under a point is near its cost, not always equal.)
#
# ## 5. All 13,002 at once: full batch against mini-batches
#
# On the plane the two walks were compared step for step, but their steps do not cost the same.
# **Full-batch** descent computes the gradient over all the training examples before each step.
# **Stochastic** gradient descent (SGD) shuffles the examples, cuts them into mini-batches of 10,
# and takes a step after each mini-batch, using the gradient of those 10 alone: a rougher estimate
# of the true gradient, but 200 steps for the price of one. Compare them at equal work, on 2,000
# examples, from the same random start, counting passes over the data (*epochs*), with
# `step_downhill` from above.


# %%
X, labels = data.x_train[:2000], data.y_train[:2000]
Y = one_hot(labels)
rng = np.random.default_rng(0)
full = Network([784, 16, 16, 10], init="xavier", seed=0)
sgd = full.copy()
costs = {"full batch": [full.cost_value(X, Y)], "mini-batches of 10": [sgd.cost_value(X, Y)]}
for _ in range(10):
    step_downhill(full, X, Y, eta=3.0)                 # one step per pass
    order = rng.permutation(len(X))                    # shuffle, then 200 steps per pass
    for batch in np.split(order, len(X) // 10):
        step_downhill(sgd, X[batch], Y[batch], eta=3.0)
    costs["full batch"].append(full.cost_value(X, Y))
    costs["mini-batches of 10"].append(sgd.cost_value(X, Y))

figure, axis = plt.subplots(figsize=(8, 3.5))
for name, values in costs.items():
    axis.plot(values, "o-", label=name)
axis.set(xlabel="epochs (passes over the 2,000 examples)", ylabel="cost",
         title="Same data, same learning rate, same work")
axis.legend()
plt.show()
for name, network in (("full batch", full), ("mini-batches of 10", sgd)):
    print(f"{name:19s} cost {costs[name][0]:.3f} -> {costs[name][-1]:.3f}, test accuracy "
          f"{accuracy(network.predict(data.x_test), data.y_test):.1%}")
assert costs["full batch"][-1] < costs["full batch"][0]        # the cost falls
assert costs["mini-batches of 10"][-1] < costs["full batch"][-1]  # and SGD gets much further

# %% [markdown]
# Full-batch descent goes downhill too, but after its first steps it crawls: its outputs all
# sit near 0.1, a wide flat region of the landscape, where the slope is small. In the same ten
# passes SGD has taken 2,000 steps and is far down. Each of its steps is a little off the true
# downhill direction (the video's "drunk man stumbling down a hill"), but many cheap, roughly
# right steps beat a few exact ones. This is what digitnet's `train` does, with a shuffle per
# epoch from a seeded generator.
#
# ## 6. The learning rate: too small, right, too large
#
# `train` runs that SGD loop. Train the same network three times on 5,000 digits for two epochs,
# changing only the learning rate, and plot the cost of every mini-batch (smoothed over 50).

# %%
runs = {}
for eta in (0.3, 3.0, 30.0):
    network = Network([784, 16, 16, 10], init="xavier", seed=0)
    history = train(network, data.x_train[:5000], data.y_train[:5000],
                    recipe.replace(learning_rate=eta, epochs=2), test=(data.x_test, data.y_test))
    runs[eta] = (network, history)
    print(f"eta {eta:4g}: cost of the last epoch {history.epochs[-1].train_cost:.3f}, "
          f"test accuracy {history.epochs[-1].test_accuracy:.1%}")

figure, axis = plt.subplots(figsize=(8, 3.5))
for (eta, (_, history)), name in zip(runs.items(), ("too small", "about right", "too large")):
    batch_costs = np.concatenate(history.batch_costs)
    smooth = np.convolve(batch_costs, np.ones(50) / 50, mode="valid")
    axis.plot(smooth, label=f"eta {eta:g}: {name}")
axis.set(xlabel="mini-batch", ylabel="cost (mean of 50)", title="Three learning rates")
axis.legend()
plt.show()
final = {eta: history.epochs[-1].train_cost for eta, (_, history) in runs.items()}
assert final[3.0] < final[0.3] and final[3.0] < final[30.0]

# %% [markdown]
# With eta 0.3 the cost falls, slowly. With eta 3 it falls fast. With eta 30 the first steps
# throw the weights so far that many neurons saturate, their slopes vanish, and learning all but
# stops, at about the cost of a network that answers 0 for every output (0.5).
#
# ## 7. What the network does not know
#
# The trained network (eta 3) reads most digits. Now show it something that is not a digit:
# random noise. It has no way to say "none of these": it always picks one of its ten outputs,
# and nearly all noise lands on the same one or two digits.

# %%
good = runs[3.0][0]
noise = np.random.default_rng(1).random((1000, 784), dtype=np.float32)
answers = good.predict(noise)
counts = np.bincount(answers, minlength=10)
print(f"what 1,000 noise images are taken for: {dict(enumerate(counts.tolist()))}")
two = np.sort(counts)[-2:].sum()
print(f"the two most common answers cover {two / 10:.0f}% of the noise")
assert two > 500

figure, axes = plt.subplots(1, 4, figsize=(11, 2.6))
for axis, image, output in zip(axes, noise, good.feedforward(noise[:4])):
    axis.imshow(image.reshape(28, 28), cmap="gray")
    axis.set_title(f"says {np.argmax(output)} (output {output.max():.2f})")
    axis.set_axis_off()
plt.show()

# %% [markdown]
# And what does the network think a 3 looks like? Turn the question into gradient descent once
# more, but on the **pixels**, with the weights fixed: start from dim noise and move the 784
# pixels downhill on the cost of "this image is a 3". The gradient with respect to the input
# comes from the same backpropagation, carried one layer further (`input_gradient=True`). Each
# step moves every pixel by about 0.05 (the gradient divided by its typical size) and keeps it
# between 0 and 1.

# %%
targets = one_hot(np.arange(10))                                    # one image per digit
images = 0.25 * np.random.default_rng(2).random((10, 784))          # dim noise to start from
for _ in range(100):
    forward = good.forward(images)
    pixels = good.backward(forward, good.output_error(forward, targets),
                           input_gradient=True).inputs              # dC/dx, (10, 784)
    scale = np.sqrt(np.mean(pixels**2, axis=1, keepdims=True)) + 1e-12
    images = np.clip(images - 0.05 * pixels / scale, 0.0, 1.0)
sure = good.feedforward(images)[np.arange(10), np.arange(10)]

figure, axes = plt.subplots(2, 10, figsize=(13, 3))
for k in range(10):
    axes[0, k].imshow(images[k].reshape(28, 28), cmap="gray")
    axes[0, k].set_title(f"a '{k}': {sure[k]:.2f}", fontsize=9)
    axes[1, k].imshow(data.x_train[data.y_train == k][:100].mean(axis=0).reshape(28, 28),
                      cmap="gray")
for axis in axes.flat:
    axis.set_axis_off()
figure.suptitle("Top: what the network is sure each digit looks like. Bottom: the average real "
                "digit")
plt.show()
print("output of the wished-for neuron for each drawing:", np.round(sure, 2))
assert sure.mean() > 0.8 and (good.predict(images) == np.arange(10)).all()

# %% [markdown]
# The network is sure of every one of its "drawings", and they are mostly noise, with at best a
# hint of the digit's shape. It learned to separate the training digits from each other, not
# what a digit is: everything outside the kind of images it saw is unknown land, where it still
# answers. This is chapter 2's closing point, and a real limit of networks trained this way.
#
# ## Try this
#
# 1. **A useless weight.** Some entries of the gradient in section 3 are exactly 0. Which
#    parameters are they, and why? Nudge one of them: how much does the cost change?
# 2. **Mini-batch size.** Repeat the SGD run of section 5 for two epochs with mini-batches of
#    1, 10 and 100 (same learning rate). Predict the order of the final costs first.
# 3. **A small change, another answer.** Start the pixel descent of section 7 from a real test
#    digit instead of noise, aiming for another digit. How many steps until the network changes
#    its mind, and how much did the picture change?
#
# ## Answers
#
# **1.** They are weights of the first layer attached to pixels that are black (0) in all 2,000
# examples, mostly near the border. A weight `w_jk` enters the cost only through `w_jk x_k`, so
# when `x_k = 0` in every example, changing it changes nothing: the cost is flat in that
# direction, and the change is exactly zero.

# %%
net = Network([784, 16, 16, 10], init="xavier", dtype=np.float64, seed=0)
X, Y = data.x_train[:2000], one_hot(data.y_train[:2000])
gradient = np.concatenate([g.ravel() for pair in net.gradients(X, Y) for g in pair])
zero = np.flatnonzero(gradient == 0)
array, index = parameter(net, zero[0])
print(f"{zero.size:,} zero entries, all in the first layer: {zero.max() < 784 * 16}; "
      f"the first is W_0{tuple(int(i) for i in index)}, the weight from pixel {index[1]} "
      f"(row {index[1] // 28}, column {index[1] % 28})")
change = nudge(net, zero[0], 1.0)
print(f"moving it by 1.0 changes the cost by {change}")
assert zero.max() < 784 * 16 and change == 0.0 and (X[:, index[1]] == 0).all()

# %% [markdown]
# **2.** Batches of 10 win. Batches of 100 take only 40 steps in two epochs: each is a good
# estimate of the downhill direction, but there are too few of them. Batches of 1 take 4,000
# steps, each following a single example: at this learning rate they jump around so much that
# they end above the batches of 10, and they take far longer in wall-clock time, since every step
# has a fixed cost and NumPy handles 10 rows almost as fast as 1. The batch size trades the
# quality of each step against their number.

# %%
final = {}
for size in (1, 10, 100):
    started = time.perf_counter()
    network = Network([784, 16, 16, 10], init="xavier", seed=0)
    rng = np.random.default_rng(0)
    for _ in range(2):
        for batch in np.split(rng.permutation(len(X)), len(X) // size):
            step_downhill(network, X[batch], Y[batch], eta=3.0)
    final[size] = network.cost_value(X, Y)
    print(f"mini-batches of {size:3d}: cost after 2 epochs {final[size]:.3f}, "
          f"{time.perf_counter() - started:.1f} s")
assert final[10] < final[1] and final[10] < final[100]

# %% [markdown]
# **3.** A few steps are enough: the picture still looks like the original digit to us, yet the
# network now reads the other one. Small, carefully chosen changes to many pixels at once add up
# inside the network: an "adversarial example". The same gradient can also teach: `digitnet
# train --adversarial 0.1` trains on a copy of every mini-batch with each pixel moved by 0.1 the
# way that raises the cost most (Goodfellow et al. 2015), which makes the network harder to fool
# this way (the README's accuracy ladder says what it did to the accuracy on MNIST).

# %%
original = data.x_test[data.y_test == 1][0]
wanted = one_hot(np.array([7]))
image = original[np.newaxis].astype(np.float64)
steps = 0
while good.predict(image)[0] != 7 and steps < 200:
    forward = good.forward(image)
    pixels = good.backward(forward, good.output_error(forward, wanted),
                           input_gradient=True).inputs
    image = np.clip(image - 0.02 * pixels / (np.sqrt(np.mean(pixels**2)) + 1e-12), 0.0, 1.0)
    steps += 1
print(f"after {steps} steps the network reads a 7; the mean pixel moved by "
      f"{np.abs(image[0] - original).mean():.3f}")
assert good.predict(image)[0] == 7
figure, axes = plt.subplots(1, 2, figsize=(5, 2.6))
for axis, picture, title in ((axes[0], original, "a real 1"), (axes[1], image[0], "read as 7")):
    axis.imshow(picture.reshape(28, 28), cmap="gray", vmin=0, vmax=1)
    axis.set_title(title)
    axis.set_axis_off()
plt.show()
