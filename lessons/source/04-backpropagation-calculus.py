# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 4: Backpropagation calculus
#
# *For after chapter 4: 3Blue1Brown's "Backpropagation calculus", or Nielsen's chapter 2. About
# 30 minutes.*
#
# Lesson 3 told backpropagation as a story of wishes. Here is the same thing as calculus, in the
# order of the video, each step checked against digitnet and against the definition of a
# derivative:
#
# 1. a chain of one neuron per layer: `dC/dw = a_prev sigma'(z) 2(a - y)`, the chain rule, by
#    hand and with `digitnet.explain.chain_rule`;
# 2. the same with indices, for a real 784-16-16-10 network and a real digit;
# 3. the matrix form, the four equations BP1-BP4, checked against the numerical gradient;
# 4. a network trained with nothing but those four equations and a loop.
#
# **The data.** As before: MNIST from `../shared/data/mnist` beside your checkout or from
# `$DIGITNET_DATA_DIR`, else the 5,000-digit sample that ships with digitnet's dependencies,
# announced in the first line of output.

# %%
from itertools import pairwise
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from digitnet import PRESETS, Network, accuracy, numerical_gradients, one_hot, train
from digitnet.data import load_dataset
from digitnet.explain import chain_rule

beside_checkout = Path("..", "..", "shared", "data", "mnist")  # seen from this lessons/ folder
data = load_dataset("default", data_dir=beside_checkout if beside_checkout.is_dir() else None,
                    download=False)
if data.name != "mnist":
    print("USING THE 5,000-DIGIT SAMPLE: full MNIST was not found, so the numbers below "
          "will differ a little from the text.")
print(data.description)

# %% [markdown]
# ## 1. One neuron per layer
#
# The simplest network with depth: four layers of one neuron each, so three weights and three
# biases. Feed it one number `x` and wish for the output `y = 1`. Each layer computes
#
#     z^(l) = w^(l) a^(l-1) + b^(l)        a^(l) = sigma(z^(l))
#
# and the cost of this one example, as in the video, is `C0 = (a^(3) - y)^2`. The weight
# `w^(3)` changes `z^(3)`, which changes `a^(3)`, which changes `C0`: a chain, so the chain rule
# multiplies the three small derivatives along it:
#
#     dC0/dw^(3) = dz^(3)/dw^(3)  *  da^(3)/dz^(3)  *  dC0/da^(3)
#                = a^(2)          *  sigma'(z^(3))  *  2 (a^(3) - y)

# %%
chain = Network([1, 1, 1, 1], activation="sigmoid", output_activation="sigmoid",
                cost="quadratic", init="normal", dtype=np.float64, seed=4)
x, y = np.array([[0.6]]), np.array([[1.0]])
forward = chain.forward(x)
a = [x[0, 0]] + [float(act[0, 0]) for act in forward.activations]  # a^(0) = x, a^(1..3)
w = [None] + [float(W[0, 0]) for W in chain.weights]                 # w^(1..3)


def sigma_prime(a):
    """sigma'(z) = sigma(z) (1 - sigma(z)), written with a = sigma(z)."""
    return a * (1 - a)


dC0_da3 = 2 * (a[3] - y[0, 0])
dC0_dw3 = a[2] * sigma_prime(a[3]) * dC0_da3
dC0_db3 = 1 * sigma_prime(a[3]) * dC0_da3
print(f"a = {np.round(a, 4)}, C0 = {(a[3] - y[0, 0]) ** 2:.4f}")
print(f"dC0/dw3 = {a[2]:.4f} * {sigma_prime(a[3]):.4f} * {dC0_da3:.4f} = {dC0_dw3:.6f}")


def video_cost(network):
    """C0 = (a^(3) - y)^2 for our one example."""
    return float(np.sum((network.feedforward(x) - y) ** 2))


h = 1e-6
chain.weights[2][0, 0] += h
cost_up = video_cost(chain)
chain.weights[2][0, 0] -= 2 * h
cost_down = video_cost(chain)
chain.weights[2][0, 0] += h
numerical = (cost_up - cost_down) / (2 * h)
print(f"nudging w3 by +-{h:g} and measuring the cost: {numerical:.6f}")
assert np.isclose(dC0_dw3, numerical, rtol=1e-6)

# %% [markdown]
# `digitnet.explain.chain_rule(network, x, label, layer, neuron, input)` does this for any one
# connection (the weight from neuron `input` of layer `layer - 1` to neuron `neuron` of layer
# `layer`) and returns the factors by name: `input_activation` (the `a^(2)` the weight
# multiplies, `dz/dw`), `weighted_input` (`z^(3)`), `sigma_prime` (`sigma'(z^(3))`, `da/dz`),
# `activation_gradient` (`dC/da^(3)`), their product `gradient` (`dC/dw`) and, beside it,
# `numerical`, the central difference, computed with no chain rule at all.
#
# It uses digitnet's cost, which is **half** the video's: `C = (1/2)(a - y)^2`, whose derivative
# is `a - y`, without the 2 (that is why the 1/2 is there). So its last factor and its gradient
# are half of ours; the other factors are the same. (The network has one output, neuron 0, and
# we wish it to be 1: the label is 0.)

# %%
rule = chain_rule(chain, x[0], 0, layer=3, neuron=0, input=0)
print(f"dC/dw3 = {rule.input_activation:.4f} * {rule.sigma_prime:.4f} * "
      f"{rule.activation_gradient:.4f} = {rule.gradient:.6f}; central difference "
      f"{rule.numerical:.6f}")
# By hand (the cell above): the same factors, and half of the video's last factor and gradient.
assert np.isclose(rule.input_activation, a[2]) and np.isclose(rule.sigma_prime, sigma_prime(a[3]))
assert np.isclose(rule.activation_gradient, dC0_da3 / 2)
assert np.isclose(rule.gradient, dC0_dw3 / 2) and np.isclose(rule.numerical, numerical / 2)
assert rule.relative_error < 1e-6  # the chain rule and the definition agree

# %% [markdown]
# Here is the cost as a function of `w^(3)` alone, and the line through the current point with
# the slope the chain rule gave: it touches the curve, as a derivative should.

# %%
current = chain.weights[2][0, 0]
ws = np.linspace(current - 4, current + 4, 161)
costs = []
for value in ws:
    chain.weights[2][0, 0] = value
    costs.append(video_cost(chain))
chain.weights[2][0, 0] = current

figure, axis = plt.subplots(figsize=(7, 3.5))
axis.plot(ws, costs, label="C0 as a function of w3")
near = ws[np.abs(ws - current) < 1.5]
axis.plot(near, (a[3] - y[0, 0]) ** 2 + dC0_dw3 * (near - current), "--",
          label=f"slope from the chain rule: {dC0_dw3:.3f}")
axis.plot([current], [(a[3] - y[0, 0]) ** 2], "o", color="black")
axis.set(xlabel="w3", ylabel="C0")
axis.legend()
plt.show()

# %% [markdown]
# Going one layer further back, `a^(2)` influences the cost through `z^(3)` in the same way:
# `dC0/da^(2) = w^(3) sigma'(z^(3)) 2(a^(3) - y)`, and from there `w^(2)` and `b^(2)` follow
# with the same pattern, then `w^(1)` and `b^(1)`. Each step back multiplies one more weight and
# one more `sigma'`. With digitnet's cost, half the video's, every gradient is exactly half of
# these: `net.gradients` and `chain_rule` both say so, layer by layer.

# %%
dC0_dz = {3: sigma_prime(a[3]) * dC0_da3}
for layer in (2, 1):
    dC0_da = w[layer + 1] * dC0_dz[layer + 1]    # back through the weight
    dC0_dz[layer] = sigma_prime(a[layer]) * dC0_da  # back through the sigmoid
by_hand = [(a[layer - 1] * dC0_dz[layer], dC0_dz[layer]) for layer in (1, 2, 3)]
for layer, (dw, db) in enumerate(by_hand, start=1):
    print(f"layer {layer}: dC0/dw = {dw:+.6f}, dC0/db = {db:+.6f}")

digitnet_gradient = chain.gradients(x, y)  # [(dW, db), ...] of digitnet's half cost
for layer, (dw, db), (dW, dB) in zip((1, 2, 3), by_hand, digitnet_gradient):
    rule = chain_rule(chain, x[0], 0, layer=layer, neuron=0, input=0)
    assert np.isclose(dw / 2, dW[0, 0]) and np.isclose(db / 2, dB[0])
    assert np.isclose(dw / 2, rule.gradient) and np.isclose(db / 2, rule.error)  # dC/db = dC/dz
    assert rule.relative_error < 1e-6
print("digitnet's gradients are exactly half of these, layer by layer")

# %% [markdown]
# ## 2. More neurons: indices
#
# With several neurons per layer nothing new happens, there are just more chains. Write
# `w_jk` for the weight from neuron k of the layer before to neuron j, and use digitnet's cost
# `C = (1/2) sum_j (a_j - y_j)^2`:
#
#     z_j = sum_k w_jk a_k + b_j                         (a_k: the layer before)
#     dC/dw_jk = a_k  *  sigma'(z_j)  *  dC/da_j
#     dC/db_j  =         sigma'(z_j)  *  dC/da_j
#     dC/da_k  = sum_j  w_jk  *  sigma'(z_j)  *  dC/da_j      (a_k reaches the cost through
#                                                              every neuron j: the paths add)
#
# with `dC/da_j = a_j - y_j` at the output. Below, those lines are written as plain loops over
# j and k, for one real digit going through a 784-16-16-10 network: every one of the 13,002
# derivatives, one at a time.

# %%
net = Network([784, 16, 16, 10], init="xavier", dtype=np.float64, seed=0)
digit, label = data.x_train[0], data.y_train[0]
target = one_hot(np.array([label]))[0]
forward = net.forward(digit[np.newaxis])
A = [digit] + [act[0] for act in forward.activations]  # A[0] = the image, ..., A[3] = output
W = [None, *net.weights]                               # W[l][j, k], layer l = 1, 2, 3

dC_da = {3: A[3] - target}
dC_dw, dC_db = {}, {}
for layer in (3, 2, 1):
    n_out, n_in = W[layer].shape
    dC_dz = [sigma_prime(A[layer][j]) * dC_da[layer][j] for j in range(n_out)]
    dC_dw[layer] = np.array([[A[layer - 1][k] * dC_dz[j] for k in range(n_in)]
                             for j in range(n_out)])
    dC_db[layer] = np.array(dC_dz)
    dC_da[layer - 1] = np.array([sum(W[layer][j, k] * dC_dz[j] for j in range(n_out))
                                 for k in range(n_in)])

for layer, (dW, db) in enumerate(net.gradients(digit[np.newaxis], target[np.newaxis]), start=1):
    assert np.allclose(dC_dw[layer], dW) and np.allclose(dC_db[layer], db)
count = sum(dC_dw[layer].size + dC_db[layer].size for layer in (1, 2, 3))
print(f"{count:,} derivatives by loops over j and k: the same as net.gradients")

# %% [markdown]
# `chain_rule` gives the three factors of any one of these 12,960 chains (one per weight), with
# the central difference beside them. Here is one connection in each layer: into the right
# digit's output from the brightest neuron of the last hidden layer, into hidden neuron 0 of
# layer 2 from the brightest of layer 1, and into hidden neuron 0 of layer 1 from the brightest
# pixel. At the output `dC/da_j = a_j - y_j`; in the layers before it is the sum over the
# layer after, the chains continued, as in the loops above.

# %%
assert sum(matrix.size for matrix in net.weights) == 12_960
print("layer   j    k |   a_k    sigma'(z_j)   dC/da_j  |   dC/dw_jk     central difference")
for layer, j in ((3, label), (2, 0), (1, 0)):
    k = int(np.argmax(A[layer - 1]))
    rule = chain_rule(net, digit, label, layer=layer, neuron=j, input=k)
    print(f"{layer:5d} {j:3d} {k:4d} | {rule.input_activation:6.3f}  {rule.sigma_prime:10.4f}  "
          f"{rule.activation_gradient:+10.6f} | {rule.gradient:+.8f}  {rule.numerical:+.8f}")
    # By hand: the factors and the product from the loops above.
    assert np.isclose(rule.input_activation, A[layer - 1][k])
    assert np.isclose(rule.sigma_prime, sigma_prime(A[layer][j]))
    assert np.isclose(rule.activation_gradient, dC_da[layer][j])
    assert np.isclose(rule.gradient, dC_dw[layer][j, k]) and rule.relative_error < 1e-6

# %% [markdown]
# ## 3. The matrix form: BP1-BP4
#
# The loops over j and k are matrix products in disguise. Call `delta^l = dC/dz^l` the **error**
# of layer l (a vector, one entry per neuron), let `(*)` be the element-wise product, and the
# whole of backpropagation is four equations:
#
#     BP1  delta^L = (a^L - y) (*) sigma'(z^L)                  the output layer's error
#     BP2  delta^l = (W^{l+1}.T delta^{l+1}) (*) sigma'(z^l)   the error, one layer back
#     BP3  dC/db^l = delta^l
#     BP4  dC/dW^l = delta^l (a^{l-1}).T                        an outer product
#
# For a batch, digitnet keeps the examples in rows, so the vectors become matrices with one row
# per example: BP2 is `delta @ W` and BP4 `delta.T @ a_prev`, and the gradient of the mean cost
# divides by the number of examples m. Here are the four equations in NumPy, using digitnet's
# forward pass for the `z`s and `a`s, for a batch of 20 digits.

# %%
def backprop(network, X, Y):
    """BP1-BP4 for sigmoid neurons and the quadratic cost: [(dC/dW, dC/db), ...] per layer."""
    forward = network.forward(X)
    m = X.shape[0]
    a_out = forward.activations[-1]
    delta = (a_out - Y) * sigma_prime(a_out)                         # BP1, (m, n_L)
    gradient = []
    for layer in reversed(range(network.num_layers)):
        a_prev = forward.inputs[layer]                               # (m, n_in)
        gradient.append((delta.T @ a_prev / m, delta.mean(axis=0)))  # BP4, BP3
        if layer > 0:
            a = forward.activations[layer - 1]
            delta = (delta @ network.weights[layer]) * sigma_prime(a)  # BP2, (m, n_in)
    return gradient[::-1]


X, Y = data.x_train[:20], one_hot(data.y_train[:20])
mine = backprop(net, X, Y)
for (dW, db), (their_dW, their_db) in zip(mine, net.gradients(X, Y)):
    assert np.allclose(dW, their_dW) and np.allclose(db, their_db)
print("BP1-BP4 in NumPy give the same gradient as digitnet")

# %% [markdown]
# And both match the definition of a derivative. `numerical_gradients` nudges each of the 13,002
# parameters by a tiny amount both ways and measures the cost (26,004 evaluations of the cost,
# against one backward pass): every point of the plot below lies on the diagonal.

# %%
numerical = numerical_gradients(net, X, Y)
ours = np.concatenate([g.ravel() for pair in mine for g in pair])
theirs = np.concatenate([g.ravel() for pair in numerical for g in pair])
relative = np.linalg.norm(ours - theirs) / (np.linalg.norm(ours) + np.linalg.norm(theirs))
print(f"{ours.size:,} derivatives; relative difference between BP1-BP4 and nudging: "
      f"{relative:.1e}")
assert ours.size == 13_002 and relative < 1e-7

figure, axis = plt.subplots(figsize=(4.5, 4.5))
axis.scatter(theirs, ours, s=3)
limit = np.abs(ours).max() * 1.1
axis.plot([-limit, limit], [-limit, limit], color="grey", linewidth=0.5)
axis.set(xlabel="numerical (nudge and measure)", ylabel="backpropagation (BP1-BP4)",
         title="13,002 derivatives, two ways", xlim=(-limit, limit), ylim=(-limit, limit))
plt.show()

# %% [markdown]
# ## 4. Training with nothing but the four equations and a loop
#
# Everything digitnet does to learn is now on this page. To prove it, here is a network that
# uses no digitnet at all: its weights are plain NumPy arrays, the forward pass is
# `a' = sigma(W a + b)`, the gradient is BP1-BP4, and learning is the SGD loop of lesson 2.
# (Only the data and `one_hot` come from digitnet.)

# %%
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def feedforward(weights, biases, X):
    """Every layer's activations for the batch X (rows): [X, a^1, ..., a^L]."""
    activations = [X]
    for W, b in zip(weights, biases):
        activations.append(sigmoid(activations[-1] @ W.T + b))  # a' = sigma(W a + b), as rows
    return activations


def gradient_of_cost(weights, biases, X, Y):
    """BP1-BP4: the gradient of the mean quadratic cost over the batch (X, Y)."""
    activations = feedforward(weights, biases, X)
    delta = (activations[-1] - Y) * sigma_prime(activations[-1])               # BP1
    gradient = [None] * len(weights)
    for layer in reversed(range(len(weights))):
        gradient[layer] = (delta.T @ activations[layer] / len(X), delta.mean(axis=0))  # BP4, BP3
        if layer > 0:
            delta = (delta @ weights[layer]) * sigma_prime(activations[layer])  # BP2
    return gradient


def sgd(sizes, X, Y, epochs=3, eta=3.0, batch_size=10, seed=0):
    """Random weights, then shuffled mini-batches: W <- W - eta dC/dW. Returns the parameters
    and the cost over (X, Y) before training and after each epoch."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(n_out, n_in)) / np.sqrt(n_in)
               for n_in, n_out in pairwise(sizes)]
    biases = [np.zeros(n_out) for n_out in sizes[1:]]

    def cost():
        return 0.5 * np.sum((feedforward(weights, biases, X)[-1] - Y) ** 2) / len(X)

    costs = [cost()]
    for _ in range(epochs):
        for batch in np.split(rng.permutation(len(X)), len(X) // batch_size):
            gradient = gradient_of_cost(weights, biases, X[batch], Y[batch])
            for (dW, db), W, b in zip(gradient, weights, biases):
                W -= eta * dW
                b -= eta * db
        costs.append(cost())
    return weights, biases, costs


X_train, labels = data.x_train[:10_000], data.y_train[:10_000]
weights, biases, costs = sgd([784, 16, 16, 10], X_train, one_hot(labels))
answers = np.argmax(feedforward(weights, biases, data.x_test)[-1], axis=1)
own_accuracy = np.mean(answers == data.y_test)
print(f"cost before training and after each epoch: {np.round(costs, 4)}; "
      f"test accuracy {own_accuracy:.1%}")
assert np.all(np.diff(costs) < 0) and own_accuracy > 0.6  # the cost falls every epoch

# The same recipe with digitnet's train, for comparison:
reference = Network([784, 16, 16, 10], init="xavier", seed=0)
train(reference, X_train, labels, PRESETS["3b1b"].replace(init="xavier", epochs=3,
                                                         validation_size=0))
reference_accuracy = accuracy(reference.predict(data.x_test), data.y_test)
print(f"digitnet's train, same recipe: test accuracy {reference_accuracy:.1%}")
assert abs(own_accuracy - reference_accuracy) < 0.1

# %%
figure, axes = plt.subplots(1, 2, figsize=(12, 3.3), gridspec_kw={"width_ratios": [1, 1.6]})
axes[0].plot(costs, "o-")
axes[0].set(xlabel="epoch", ylabel="cost", title="Four equations and a loop, learning",
            xticks=range(len(costs)))
wrong = np.flatnonzero(answers != data.y_test)[:6]
axes[1].imshow(np.hstack([data.x_test[i].reshape(28, 28) for i in wrong]), cmap="gray")
axes[1].set_title("Some test digits it gets wrong: "
                  + ", ".join(f"{data.y_test[i]} as {answers[i]}" for i in wrong), fontsize=9)
axes[1].set_axis_off()
plt.show()

# %% [markdown]
# That is all of it: digitnet's `Network` and `train` add checks, other activations and costs,
# faster arrangements of the same arithmetic, and better optimisers, but the learning is these
# four equations.
#
# ## Try this
#
# 1. **Nielsen's network.** Train 784-30-10 (one hidden layer of 30) with `sgd` instead of
#    784-16-16-10. Which changes in the code?
# 2. **Learning slowdown.** Take one neuron, `a = sigma(w x + b)`, starting badly wrong and
#    saturated: `w = b = 2`, `x = 1`, `y = 0` (Nielsen's chapter 3 example). Descend on the
#    quadratic cost, then change BP1 to `delta = a - y`, which is what the cross-entropy cost
#    gives. Which learns faster at first, and why?
# 3. **The gradient for the pixels.** Carry BP2 one step past the first layer, to the input:
#    `dC/dx = W^1.T delta^1`. Check it against `net.backward(..., input_gradient=True)` and
#    against nudging a pixel. (This is what lesson 2 used to make the network "draw".)
#
# ## Answers
#
# **1.** Only the list of sizes: the equations do not care how many layers there are or how
# wide. One wide hidden layer does a bit better here than two narrow ones.

# %%
weights30, biases30, costs30 = sgd([784, 30, 10], X_train, one_hot(labels))
answers30 = np.argmax(feedforward(weights30, biases30, data.x_test)[-1], axis=1)
print(f"784-30-10: costs {np.round(costs30, 4)}, test accuracy "
      f"{np.mean(answers30 == data.y_test):.1%} (784-16-16-10: {own_accuracy:.1%})")
assert costs30[-1] < costs30[0] and np.mean(answers30 == data.y_test) > 0.6

# %% [markdown]
# **2.** With the quadratic cost, BP1 multiplies by `sigma'(z)`, which is tiny when the neuron
# starts saturated (`z = 4`, `a = 0.98`): the neuron is very wrong but barely moves for many
# steps. With `delta = a - y` the size of the step follows the size of the mistake, and it
# learns at once.

# %%
def one_neuron(bp1, steps=300, eta=0.15):
    """Gradient descent on a = sigma(w x + b) from w = b = 2, x = 1, y = 0; the outputs."""
    w, b, x, y = 2.0, 2.0, 1.0, 0.0
    outputs = []
    for _ in range(steps):
        a = sigmoid(w * x + b)
        outputs.append(a)
        delta = bp1(a, y)
        w, b = w - eta * delta * x, b - eta * delta  # BP4, BP3
    return np.array(outputs)


quadratic = one_neuron(lambda a, y: (a - y) * sigma_prime(a))
cross_entropy = one_neuron(lambda a, y: a - y)
figure, axis = plt.subplots(figsize=(7, 3))
axis.plot(quadratic, label="BP1 = (a - y) sigma'(z): quadratic cost")
axis.plot(cross_entropy, label="BP1 = a - y: cross-entropy cost")
axis.set(xlabel="step", ylabel="output a (target 0)", title="Learning from a bad start")
axis.legend()
plt.show()
print(f"after 50 steps the output is {quadratic[50]:.3f} (quadratic) and "
      f"{cross_entropy[50]:.3f} (cross-entropy)")
assert cross_entropy[50] < 0.2 < quadratic[50]

# %% [markdown]
# **3.** The input is just the activations of "layer 0", with no weights of its own, so BP2
# without the `sigma'` factor gives the cost's slope for every pixel.

# %%
x_batch, y_batch = X[:1], Y[:1]
forward = net.forward(x_batch)
delta = (forward.activations[-1] - y_batch) * sigma_prime(forward.activations[-1])  # BP1
for layer in (2, 1):
    delta = (delta @ net.weights[layer]) * sigma_prime(forward.activations[layer - 1])  # BP2
dC_dx = delta @ net.weights[0]  # one step further: W^1.T delta^1, as a row
library = net.backward(forward, net.output_error(forward, y_batch), input_gradient=True)
assert np.allclose(dC_dx, library.inputs)

pixel = int(np.argmax(np.abs(dC_dx)))
nudged = x_batch.copy()
nudged[0, pixel] += 1e-6
up = net.cost_value(nudged, y_batch)
nudged[0, pixel] -= 2e-6
down = net.cost_value(nudged, y_batch)
print(f"pixel {pixel}: BP2 says {dC_dx[0, pixel]:.8f}, nudging says {(up - down) / 2e-6:.8f}")
assert np.isclose(dC_dx[0, pixel], (up - down) / 2e-6, rtol=1e-5)

figure, axes = plt.subplots(1, 2, figsize=(6, 3))
axes[0].imshow(x_batch.reshape(28, 28), cmap="gray")
axes[0].set_title(f"a {data.y_train[0]}")
limit = np.abs(dC_dx).max()
axes[1].imshow(-dC_dx.reshape(28, 28), cmap="RdYlGn", vmin=-limit, vmax=limit)
axes[1].set_title("-dC/dx: which pixels to change", fontsize=9)
for axis in axes:
    axis.set_axis_off()
plt.show()
