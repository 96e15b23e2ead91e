"""How large a training run this server accepts, and the one-line refusal when it is larger.

The page trains on the server's CPU beside everything else it does, so a run is bounded: in
weights and biases, in epochs, in training examples seen (images x epochs), and in work (weights
x examples, about what the run costs). ``modern`` on all of MNIST (636,010 weights, 20 epochs of
60,000 images, 7.6e11) passes; a network ten times its size does not.
"""

from __future__ import annotations

from dataclasses import dataclass

from digitnet.errors import ConfigError


@dataclass(frozen=True)
class RunLimits:
    parameters: int = 1_000_000
    epochs: int = 100
    examples: int = 3_000_000  # images x epochs
    work: float = 1e12  # parameters x images x epochs: about two minutes here

    @property
    def text(self) -> str:
        return (f"at most {self.parameters:,} weights and biases, {self.epochs} epochs, "
                f"{self.examples:,} training examples (images x epochs) and {self.work:.0e} "
                "weights x examples")

    def check_network(self, parameters: int, epochs: int, shape: str) -> None:
        """Refuse a network or an epoch count over the limits (before any data is loaded)."""
        if parameters > self.parameters:
            self.refuse(f"{shape} has {parameters:,} weights and biases")
        if epochs > self.epochs:
            self.refuse(f"{epochs} epochs are too many")

    def check_run(self, parameters: int, images: int, epochs: int) -> None:
        """Refuse a run that would see too many examples or do too much work."""
        examples = images * epochs
        if examples > self.examples:
            self.refuse(f"{epochs} epochs of {images:,} images are {examples:,} training "
                        "examples")
        if parameters * examples > self.work:
            self.refuse(f"{parameters:,} weights and biases x {examples:,} training examples "
                        f"is {parameters * examples:.1e}")

    def refuse(self, what: str) -> None:
        raise ConfigError(f"this run is too large for the server: {what}; the limits are "
                          f"{self.text}")


LIMITS = RunLimits()
