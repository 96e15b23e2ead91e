"""Where digits come from: IDX files, the MNIST family of datasets, and user pictures.

Pillow is imported only inside the picture functions, so loading datasets needs only NumPy.
"""

from digitnet.data.dataset import Dataset
from digitnet.data.idx import read_idx
from digitnet.data.preprocess import PreparedDigit, load_image, prepare_digit
from digitnet.data.sources import DATASETS, load_dataset
from digitnet.targets import one_hot

__all__ = [
    "DATASETS",
    "Dataset",
    "PreparedDigit",
    "load_dataset",
    "load_image",
    "one_hot",
    "prepare_digit",
    "read_idx",
]
