"""digitnet beside other tools: scikit-learn, ONNX Runtime, PyTorch.

* :mod:`digitnet.sklearn`: ``DigitNetClassifier``, the network as a scikit-learn estimator;
* :mod:`.onnx`: a model file as an ONNX graph (``digitnet export MODEL --format onnx``);
* :mod:`.safetensors`: the weights as tensors a ``torch.nn.Sequential`` MLP loads, and back
  (``digitnet export --format safetensors``, ``digitnet import``);
* :mod:`.extras`: the optional packages these need, each behind an extra of ``pip install``.

Each module imports its optional library inside its functions, so ``import digitnet`` never
needs any of them.
"""
