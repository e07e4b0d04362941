"""Training of learned priors with Hugging Face Accelerate."""

from diffsep.training.config import TrainConfig
from diffsep.training.trainer import train

__all__ = ["TrainConfig", "train"]
