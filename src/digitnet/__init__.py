"""digitnet: a neural network for handwritten digits, written from scratch in NumPy.

>>> from digitnet import Network
>>> Network([784, 16, 16, 10]).num_parameters
13002
"""

from .activations import ACTIVATIONS, Activation
from .architecture import Architecture
from .config import TrainingConfig
from .costs import COSTS, Cost
from .errors import (
    CheckpointError,
    ConfigError,
    DataError,
    DigitnetError,
    DivergenceError,
    DownloadError,
    ImageError,
    InputError,
    MissingExtraError,
    ModelFileError,
)
from .gradcheck import GradientCheck, check_gradients, numerical_gradients
from .gradients import Gradient, LayerGradient
from .history import EpochRecord, History, Progress, StopReason
from .initializers import INITIALIZERS
from .metrics import Evaluation, accuracy, confusion_matrix, evaluate
from .network import ForwardPass, Network
from .optimizers import OPTIMIZERS, SGD, Adam, Momentum, Nesterov
from .presets import PRESETS
from .schedules import SCHEDULES
from .targets import one_hot
from .training import mini_batches, train
from .training_state import TrainingState
from .version import __version__

__all__ = [
    "ACTIVATIONS", "COSTS", "INITIALIZERS", "OPTIMIZERS", "PRESETS", "SCHEDULES", "SGD",
    "Activation", "Adam", "Architecture", "CheckpointError", "ConfigError", "Cost", "DataError",
    "DigitnetError", "DivergenceError", "DownloadError", "EpochRecord", "Evaluation",
    "ForwardPass", "Gradient", "GradientCheck", "History", "ImageError", "InputError",
    "LayerGradient", "MissingExtraError", "ModelFileError", "Momentum", "Nesterov", "Network",
    "Progress", "StopReason", "TrainingConfig", "TrainingState", "__version__", "accuracy",
    "check_gradients", "confusion_matrix", "evaluate", "mini_batches", "numerical_gradients",
    "one_hot", "train",
]
