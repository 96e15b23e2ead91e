# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 1: What a network is
#
# *For after chapter 1: 3Blue1Brown's "But what is a neural network?" or the first half of
# Nielsen's chapter 1. About 20 minutes.*
#
# The video builds a network that reads handwritten digits out of very plain parts: neurons that
# each hold one number, layers of them, and weights and biases between the layers. Here you build
# the same network, 784-16-16-10, with digitnet, and look at every part of it with real MNIST
# digits:
#
# 1. a neuron holds a number: a digit is 784 of them;
# 2. a layer is one formula, `a' = sigma(W a + b)`: you compute it by hand and check;
# 3. the 13,002 weights and biases, counted by hand;
# 4. a digit going through every layer, before and after training;
# 5. what the first layer's neurons look for, as 28x28 pictures;
# 6. sigmoid against ReLU.
#
# Run the cells from top to bottom (Shift+Enter). Change any number and run again: nothing
# here can break anything. The exercises ("Try this") are at the end, with their answers.
#
# **The data.** The next cell loads MNIST from `../shared/data/mnist` beside your checkout, or
# from the folder in `$DIGITNET_DATA_DIR`. When neither has it, it uses the 5,000 real MNIST
# digits that ship with digitnet's dependencies and **says so in its first line of output**:
# then every accuracy below comes out a little lower than the text says (the network sees 4,000
# training digits instead of 20,000), and nothing else changes.

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from digitnet import ACTIVATIONS, PRESETS, Network, accuracy, train
from digitnet.data import load_dataset

beside_checkout = Path("..", "..", "shared", "data", "mnist")  # seen from this lessons/ folder
data = load_dataset("default", data_dir=beside_checkout if beside_checkout.is_dir() else None,
                    download=False)
if data.name != "mnist":
    print("USING THE 5,000-DIGIT SAMPLE: full MNIST was not found, so the accuracies below "
          "will be a little lower than the text says.")
print(data.description)

# %% [markdown]
# ## 1. A neuron holds a number
#
# An MNIST image is 28 x 28 = 784 pixels, each a brightness between 0 (black) and 1 (white).
# digitnet keeps every image as one row of 784 numbers: `data.x_train` has one row per image,
# and `data.y_train` says which digit each one is. Those 784 numbers are the activations of the
# 784 neurons of the input layer.

# %%
x, label = data.x_train[0], data.y_train[0]
print(f"{len(data.y_train):,} training images, each of shape {x.shape}; this one is a {label}")
print(f"brightness from {x.min():.1f} to {x.max():.1f}, "
      f"{(x > 0).sum()} of the 784 pixels are not black")
assert x.shape == (784,) and x.min() >= 0.0 and x.max() <= 1.0

# The same 784 numbers, as digits 0-9 (brightness x 9) where they are not black:
for row in x.reshape(28, 28)[3:25]:
    print(" ".join(str(int(np.ceil(v * 9))) if v > 0 else "." for v in row[3:25]))

# %%
figure, axes = plt.subplots(1, 8, figsize=(12, 2))
for axis, image, digit in zip(axes, data.x_train, data.y_train):
    axis.imshow(image.reshape(28, 28), cmap="gray")
    axis.set_title(f"a {digit}")
    axis.set_axis_off()
plt.show()

# %% [markdown]
# ## 2. A layer is one formula: `a' = sigma(W a + b)`
#
# Each neuron of the next layer takes a weighted sum of **all** the activations of the layer
# before, adds its bias, and squashes the result into (0, 1) with the sigmoid
# `sigma(z) = 1 / (1 + e^-z)`. Writing the weights of neuron j as row j of a matrix `W`, the whole
# layer is one line:
#
#     z  = W a + b        (16 weighted sums: W is 16 x 784, a is 784 numbers, b is 16)
#     a' = sigma(z)       (16 activations, each between 0 and 1)
#
# digitnet stores exactly these: `net.weights[l]` is `W` of layer l, shape (n_out, n_in), and
# `net.biases[l]` is `b`, shape (n_out,). A new network starts with random ones (seeded, so you
# get the same numbers as everyone else).

# %%
net = Network([784, 16, 16, 10], activation="sigmoid", output_activation="sigmoid",
              cost="quadratic", init="normal", seed=0)
print(net)
for layer, (W, b) in enumerate(zip(net.weights, net.biases)):
    print(f"layer {layer}: W {W.shape}, b {b.shape}")

# %% [markdown]
# Now compute the first layer by hand, with nothing but the formula, and compare with what the
# network computes. `net.forward(X)` feeds a batch of images (one per row) through every layer and
# keeps what each layer computed: `.zs[l]` the weighted sums and `.activations[l]` the
# activations of layer l.

# %%
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


z = net.weights[0] @ x + net.biases[0]  # 16 weighted sums
a1 = sigmoid(z)                           # 16 activations
forward = net.forward(x[np.newaxis, :])   # a batch of one image: shape (1, 784)
print("by hand:  ", np.round(a1, 3))
print("digitnet: ", np.round(forward.activations[0][0], 3))
assert np.allclose(a1, forward.activations[0][0], atol=1e-5)

# The whole network is that line three times over:
a = x
for W, b in zip(net.weights, net.biases):
    a = sigmoid(W @ a + b)
print("output by hand:", np.round(a, 3))
assert np.allclose(a, net.feedforward(x), atol=1e-5)

# %% [markdown]
# ## 3. Counting the 13,002 weights and biases
#
# Every neuron of a layer has one weight per neuron of the layer before and one bias. So a layer
# of n_out neurons after n_in neurons has n_out x n_in weights and n_out biases.

# %%
by_hand = (784 * 16 + 16) + (16 * 16 + 16) + (16 * 10 + 10)
print(f"first layer {784 * 16 + 16:,} + second {16 * 16 + 16} + output {16 * 10 + 10} "
      f"= {by_hand:,}")
counted = sum(p.size for p in net.parameters())  # every weight and bias array, counted
assert by_hand == counted == net.num_parameters == 13_002
print(f"digitnet counts {net.num_parameters:,}: the same")

# %% [markdown]
# Almost all of them (12,544) are in the first layer: one weight per pixel for each of its 16
# neurons. Learning, in the next lesson, means finding good values for these 13,002 numbers.
#
# ## 4. Feed a digit and look at every layer
#
# The drawing below shows a digit going in on the left and each layer's activations as a
# column of neurons, bright for 1 and dark for 0, the way the video draws them. The network's
# answer is the brightest of the ten output neurons.

# %%
def show_layers(network, image, title):
    """The image, then every layer's activations as a column of neurons (white = 1)."""
    activations = [a[0] for a in network.forward(image[np.newaxis, :]).activations]
    figure, axes = plt.subplots(1, 1 + len(activations), figsize=(10, 4),
                                gridspec_kw={"width_ratios": [3] + [1] * len(activations)})
    axes[0].imshow(image.reshape(28, 28), cmap="gray")
    axes[0].set_title("input: 784 neurons")
    for number, (axis, a) in enumerate(zip(axes[1:], activations), start=1):
        rows = np.arange(len(a))[::-1]
        axis.scatter(np.zeros(len(a)), rows, s=180, c=a, cmap="gray", vmin=0, vmax=1,
                     edgecolors="tab:blue")
        last = number == len(activations)
        for row, value, j in zip(rows, a, range(len(a))):
            axis.text(0.06, row, f"{j}: {value:.2f}" if last else f"{value:.2f}",
                      va="center", fontsize=7)
        axis.set_title("output" if last else f"layer {number}")
        axis.set_xlim(-0.05, 0.25)
    for axis in axes:
        axis.set_axis_off()
    answer = int(np.argmax(activations[-1]))
    figure.suptitle(f"{title}: the network says {answer}")
    plt.show()


test_image, test_label = data.x_test[0], data.y_test[0]
print(f"this test image is a {test_label}")
show_layers(net, test_image, "Before training")

# %% [markdown]
# With random weights the layers light up at random, and the answer means nothing. Let's train
# it: digitnet's `train` runs gradient descent (the next lesson) with the recipe of the video,
# `PRESETS["3b1b"]`, on 20,000 training images for 2 passes. It takes a few seconds.

# %%
config = PRESETS["3b1b"].replace(epochs=2, validation_size=0)
before = net.copy()  # the random starting weights, kept to compare with later
history = train(net, data.x_train[:20_000], data.y_train[:20_000], config,
                test=(data.x_test, data.y_test))
test_accuracy = history.epochs[-1].test_accuracy
print(f"after training: {test_accuracy:.1%} of the {len(data.y_test):,} test digits right")
assert test_accuracy > 0.5  # guessing would get 10%; with full MNIST it is about 88%

# %%
show_layers(net, test_image, "After training")
show_layers(net, data.x_test[1], f"A test {data.y_test[1]}, after training")

# %% [markdown]
# The output layer now does its job, but look at the hidden layers: nothing says "loop at the
# top" or "vertical line". Whatever the hidden neurons respond to, the network found it by
# itself, and it is not obliged to be something we have a name for.
#
# ## 5. What does a first-layer neuron look for?
#
# Neuron j of the first layer computes `z_j = sum_k W[j, k] x_k + b_j`: its 784 weights, one
# per pixel, say which pixels push it up (positive weights, red below) and which push it down
# (negative, blue). Drawn as a 28x28 picture, row j of `W` is the pattern the neuron responds
# to most.

# %%
figure, axes = plt.subplots(2, 8, figsize=(13, 3.6))
for j, axis in enumerate(axes.flat):
    picture = net.weights[0][j].reshape(28, 28)
    limit = np.abs(picture).max()
    axis.imshow(picture, cmap="RdBu_r", vmin=-limit, vmax=limit)
    axis.set_title(f"neuron {j}", fontsize=9)
    axis.set_axis_off()
figure.suptitle("The first layer's weights (red: this pixel raises the neuron; blue: lowers it)")
plt.show()

# %% [markdown]
# Mostly noise: not the neat edges and loops the video hoped for (its chapter 2 shows the same
# surprise). Part of the noise is simply the random start. Subtract it, and you see what
# training changed: blobs in the middle, where digits are drawn, and nothing at the border, whose
# pixels are black in every MNIST image, so their weights never had a reason to move.

# %%
figure, axes = plt.subplots(2, 8, figsize=(13, 3.6))
for j, axis in enumerate(axes.flat):
    change = (net.weights[0][j] - before.weights[0][j]).reshape(28, 28)
    limit = np.abs(change).max()
    axis.imshow(change, cmap="RdBu_r", vmin=-limit, vmax=limit)
    axis.set_title(f"neuron {j}", fontsize=9)
    axis.set_axis_off()
figure.suptitle("What training changed in the first layer's weights")
plt.show()
border = np.ones((28, 28), bool)
border[4:24, 4:24] = False
moved = np.abs(net.weights[0] - before.weights[0]).reshape(16, 28, 28)  # (16, 28, 28)
print(f"mean change of a weight: {moved[:, ~border].mean():.3f} in the middle, "
      f"{moved[:, border].mean():.3f} on the 4-pixel border")
assert moved[:, border].mean() < moved[:, ~border].mean()
#
# ## 6. Sigmoid against ReLU
#
# The sigmoid squashes any weighted sum into (0, 1). Most networks today use the ReLU,
# `max(0, z)`, instead: nothing below 0, and the sum itself above. What matters for learning is
# the slope (next lessons): the sigmoid's slope is at most 1/4 and almost 0 once |z| is large
# (the neuron is *saturated*), while the ReLU's slope is exactly 1 whenever the neuron is active.

# %%
z = np.linspace(-6, 6, 241).reshape(1, -1)  # activations work on batches: (1, 241)
figure, axes = plt.subplots(1, 2, figsize=(11, 3.5))
for name in ("sigmoid", "relu"):
    activation = ACTIVATIONS[name]
    a = activation(z)
    axes[0].plot(z[0], a[0], label=name)
    axes[1].plot(z[0], activation.derivative(z, a)[0], label=f"{name}'")
axes[0].set(title="a = sigma(z)", xlabel="z", ylim=(-0.2, 2))
axes[1].set(title="the slope sigma'(z)", xlabel="z")
for axis in axes:
    axis.grid(alpha=0.3)
    axis.legend()
plt.show()

# %% [markdown]
# Train two networks that differ only in the hidden neurons: sigmoid as in the video, or ReLU.
# (ReLU networks want smaller starting weights, `init="he"`, and a smaller learning rate, 0.5
# instead of 3; both only change how the training starts, not the network.) Then count, over the
# test digits, how often a hidden neuron is saturated (sigmoid below 0.01 or above 0.99) or off
# (ReLU exactly 0).

# %%
results = {}
for name, init, learning_rate in (("sigmoid", "normal", 3.0), ("relu", "he", 0.5)):
    network = Network([784, 16, 16, 10], activation=name, init=init, seed=0)
    recipe = config.replace(activation=name, init=init, learning_rate=learning_rate)
    train(network, data.x_train[:20_000], data.y_train[:20_000], recipe)
    hidden = np.concatenate(network.forward(data.x_test).activations[:-1], axis=1)  # (m, 32)
    stuck = (hidden == 0) if name == "relu" else (hidden < 0.01) | (hidden > 0.99)
    results[name] = (accuracy(network.predict(data.x_test), data.y_test), stuck.mean())
    print(f"{name:8s} test accuracy {results[name][0]:.1%}; "
          f"hidden neurons saturated or off: {results[name][1]:.0%} of the time")
    assert results[name][0] > 0.5

figure, axis = plt.subplots(figsize=(5, 3))
axis.bar(list(results), [100 * r[0] for r in results.values()], color=["tab:blue", "tab:orange"])
axis.set(ylabel="test accuracy (%)", ylim=(0, 100), title="Same network, different neurons")
plt.show()

# %% [markdown]
# Here the two end up close. A saturated sigmoid neuron is nearly deaf to learning (its slope is
# almost 0), while a ReLU that is off passes nothing back at all for that digit but learns at
# full speed for the digits that turn it on. That difference grows with deeper networks, which
# is why ReLU took over.
#
# ## Try this
#
# 1. **Count by hand** the weights and biases of Nielsen's network, 784-30-10 (one hidden layer
#    of 30 neurons). Then check with `Network([784, 30, 10]).num_parameters`.
# 2. **Invert a digit**: feed `1 - x` (a black digit on white) to the trained network. Predict
#    first: will it still read the digits? Measure it on the test set.
# 3. **Change the seed** of the network in section 2 (`seed=1`) and run sections 2-5 again. Do
#    the first layer's pictures look the same? Does the accuracy change much?
#
# ## Answers
#
# **1.** 784 x 30 + 30 = 23,550 in the hidden layer and 30 x 10 + 10 = 310 in the output layer:
# 23,860, almost twice as many as 784-16-16-10, nearly all of them in the first layer again.

# %%
nielsen = (784 * 30 + 30) + (30 * 10 + 10)
assert nielsen == Network([784, 30, 10]).num_parameters == 23_860
print(f"784-30-10 has {nielsen:,} weights and biases")

# %% [markdown]
# **2.** It fails: the network has only ever seen white digits on black. To it an inverted image
# is mostly bright pixels in places no digit ever was, and it answers whatever those pixels
# happen to push towards, far below its usual accuracy.

# %%
inverted = accuracy(net.predict(1.0 - data.x_test), data.y_test)
print(f"normal digits: {test_accuracy:.1%} right; inverted digits: {inverted:.1%} right")
assert inverted < test_accuracy
show_layers(net, 1.0 - test_image, f"An inverted {test_label}")

# %% [markdown]
# **3.** The pictures are completely different, the accuracy almost the same. Many different
# sets of 13,002 numbers do the job about equally well; which one training finds depends on
# where it started. This is one reason not to expect a hidden neuron to mean something fixed.

# %%
other = Network([784, 16, 16, 10], seed=1)
train(other, data.x_train[:20_000], data.y_train[:20_000], config)
other_accuracy = accuracy(other.predict(data.x_test), data.y_test)
print(f"seed 0: {test_accuracy:.1%}, seed 1: {other_accuracy:.1%}")
figure, axes = plt.subplots(2, 4, figsize=(7, 3.6))
for row, (network, seed) in enumerate(((net, 0), (other, 1))):
    for j, axis in enumerate(axes[row]):
        picture = network.weights[0][j].reshape(28, 28)
        limit = np.abs(picture).max()
        axis.imshow(picture, cmap="RdBu_r", vmin=-limit, vmax=limit)
        axis.set_title(f"seed {seed}, neuron {j}", fontsize=8)
        axis.set_axis_off()
plt.show()
