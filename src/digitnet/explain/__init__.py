"""How the network learns, as data: backpropagation's nudges, the chain rule, the walk downhill.

The classic explanation, one idea per function, every number computed by the network's own
backpropagation (``Network.backward``) and each one checkable (see tests/test_explain.py):

* :func:`nudges`: what one example wants of the outputs, and the error of every layer;
* :func:`neuron_wishes`: the three ways to change one neuron, and the wishes added up;
* :func:`chain_rule`: dC/dw = a_prev sigma'(z) dC/da for one connection, beside the central
  difference;
* :func:`one_step`: one step of gradient descent on one example, the cost before and after;
* :func:`batch_wishes`: every example's nudge of one weight, averaged: the mini-batch gradient;
* :func:`landscape`: the cost on a plane through the parameters, with the walks of full-batch
  gradient descent and of mini-batch SGD.

The web page's panels and the lessons only show what these return.
"""

from .chain import ChainRule, chain_rule
from .landscape import Landscape, Walk, landscape
from .nudges import NeuronWishes, Nudges, neuron_wishes, nudges
from .steps import BatchWishes, Step, batch_wishes, one_step

__all__ = [
    "BatchWishes", "ChainRule", "Landscape", "NeuronWishes", "Nudges", "Step", "Walk",
    "batch_wishes", "chain_rule", "landscape", "neuron_wishes", "nudges", "one_step",
]
