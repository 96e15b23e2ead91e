"""digitnet: a neural network for handwritten digits, written from scratch in NumPy.

>>> from digitnet import Network
>>> Network([784, 16, 16, 10]).num_parameters
13002
"""

from .activations import ACTIVATIONS, Activation
from .config import TrainingConfig
from .costs import COSTS, Cost
from .errors import (
    ConfigError,
    DataError,
    DigitnetError,
    DivergenceError,
    DownloadError,
    ImageError,
    InputError,
    ModelFileError,
)
from .gradcheck import GradientCheck, check_gradients, numerical_gradients
from .initializers import INITIALIZERS
from .metrics import Evaluation, accuracy, confusion_matrix, evaluate, one_hot
from .network import ForwardPass, Network
from .optimizers import OPTIMIZERS, SGD, Adam, Momentum, Nesterov
from .presets import PRESETS
from .schedules import SCHEDULES
from .training import EpochRecord, History, Progress, train

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "COSTS", "INITIALIZERS", "OPTIMIZERS", "PRESETS", "SCHEDULES", "SGD",
    "Activation", "Adam", "ConfigError", "Cost", "DataError", "DigitnetError",
    "DivergenceError", "DownloadError", "EpochRecord", "Evaluation", "ForwardPass",
    "GradientCheck", "History", "ImageError", "InputError", "ModelFileError", "Momentum",
    "Nesterov", "Network", "Progress", "TrainingConfig", "__version__", "accuracy",
    "check_gradients", "confusion_matrix", "evaluate", "numerical_gradients", "one_hot",
    "train",
]
