"""A discriminative first separator: a mask network over the mixture's STFT.

MSDM's best separations refine a discriminative model's stems ("Demucs + Gibbs sampling"). A
network trained to map a mixture to its stems on many timbres is a far better first separation
of music it never heard than a Wiener filter (docs/experiments/2026-12-02-a-mask-network-as-the-start.md):
``--init masknet`` starts the refinement from it, and ``fast`` does.
"""

from diffsep.masknet.bag import Bag
from diffsep.masknet.network import MaskNet, MaskSeparator
from diffsep.masknet.second_stage import SecondStage
from diffsep.masknet.storage import KIND, load, save, save_bag, shipped

__all__ = ["KIND", "Bag", "MaskNet", "MaskSeparator", "SecondStage", "load", "save", "save_bag", "shipped"]
