"""Mask networks (and bags of them) in safetensors files: weights and what rebuilds them, no code executed."""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path
from typing import Any

import torch

from diffsep.errors import DiffsepError
from diffsep.masknet.bag import Bag
from diffsep.masknet.network import MaskNet, MaskSeparator
from diffsep.masknet.second_stage import SecondStage
from diffsep.priors import checkpoints

KIND = "masknet"

SHIPPED = "masknet-bag-sdr.safetensors"
"""The mask networks ``--init masknet`` (and so ``fast``) starts from: a bag of five at 11025 Hz,
their masks averaged with equal weights, each fine-tuned on minus the stems' SDR
(``train-masknet --loss sdr``) on songs rendered at 44.1 kHz and resampled, as a recording is.
The first is the network trained on the procedural songs of ``timbres23`` (docs/data.md: four
General MIDI SoundFonts, freepats, 14 recorded drum kits), fine-tuned on them (``timbres23aa``);
the second is the same network fine-tuned on them, real compositions (``corpus23aa``) and both
kinds of music in GeneralUser GS (``gu25aa``, ``gucorpus25aa``); the third, a wider network (384
units, 3 layers) trained from scratch on those sets as rendered at 11025 Hz, fine-tuned on them as
rendered at 44.1 kHz; the fourth and fifth, the second and third continued with each stem
detuned within +-30 cents (``--augment detune``), so that songs off A = 440 Hz lose less. How and how well:
docs/experiments/2026-12-06-the-loss-the-mask-networks-minimise.md,
docs/experiments/2026-12-06-the-whole-bag-on-songs-rendered-at-44-1-khz.md and
docs/experiments/2026-12-07-songs-off-a-440-hz.md."""


def save(net: MaskNet, path: str | Path, dtype: torch.dtype = torch.float32, first: dict[str, Any] | None = None,
         **extra: Any) -> Path:
    """Write ``net``'s weights (stored as ``dtype``) with its stems, rate and shape; ``extra``
    (its training's lineage) goes into the metadata. A :class:`SecondStage` needs ``first``: the
    metadata of its first stage's file, which rebuilds that stage (its weights are in ``net``'s)."""
    if isinstance(net, SecondStage) != (first is not None):
        raise ValueError("a second stage is saved with its first stage's metadata, and only a second stage")
    described = {} if first is None else {"first": described_member(first)}
    return _write(net, path, dtype, {"network": net.config, **described, **extra})


def described_member(metadata: dict[str, Any], file: str | Path | None = None) -> dict[str, Any]:
    """A network's metadata as one part of another file's: without what the whole file says (its
    kind, stems and rate), with the file it came from."""
    own = ("kind", "stems", "sample_rate")
    return {**({} if file is None else {"file": Path(file).name}), **{key: value for key, value in metadata.items() if key not in own}}


def save_bag(paths: list[str | Path], out: str | Path, weights: list[float] | None = None,
             dtype: torch.dtype = torch.float16, temperature: float = 1.0) -> Bag:
    """Write the bag of the mask networks in ``paths`` (:class:`~diffsep.masknet.bag.Bag`, with
    ``weights``, one per member, and ``temperature``), each member with its own shape, lineage and
    recipe, and the file it came from; returns it. A bag among ``paths`` stands for its members,
    in their order (its weights and temperature stay behind)."""
    members = [member for path in paths for member in _members(path)]
    bag = Bag([net for net, _ in members], weights, temperature)
    _write(bag, out, dtype, {"members": [described for _, described in members], "weights": bag.weights,
                             "temperature": bag.temperature})
    return bag


def _members(path: str | Path) -> list[tuple[MaskNet, dict[str, Any]]]:
    """The single networks of a file, each with its metadata as a bag's member: the network itself,
    or a bag's members (named with the bag they came from)."""
    net, metadata = read(path)
    if "first" in metadata:
        raise DiffsepError(f"{str(path)!r} is a second stage: a bag holds mask networks or the members of bags, not second stages")
    if isinstance(net, Bag):
        return [(member, {**described, "bag": Path(path).name}) for member, described in zip(net.members, metadata["members"])]
    return [(net, described_member(metadata, path))]


def _write(net: MaskSeparator, path: str | Path, dtype: torch.dtype, described: dict[str, Any]) -> Path:
    tensors = {name: value.to(dtype) for name, value in net.state_dict().items()}
    return checkpoints.save(path, tensors, {"kind": KIND, "stems": net.stems, "sample_rate": net.sample_rate, **described})


def load(path: str | Path, device: str = "cpu") -> MaskSeparator:
    """The mask network (or bag) of a file :func:`save` or :func:`save_bag` wrote, in float32 and eval mode."""
    return read(path, device)[0]


def read(path: str | Path, device: str = "cpu") -> tuple[MaskSeparator, dict[str, Any]]:
    """:func:`load`'s network and the file's metadata (its lineage and recipe), from one read."""
    tensors, metadata = checkpoints.load(path, device)
    if metadata.get("kind") != KIND:
        raise DiffsepError(f"{str(path)!r} holds a {metadata.get('kind')!r} model, not a mask network "
                           "(train one with `diffsep train-masknet`)")
    net = _built(metadata, metadata["stems"], metadata["sample_rate"])
    return checkpoints.restore(net, tensors, path).to(device), metadata


def _built(metadata: dict[str, Any], stems: list[str], rate: int) -> MaskSeparator:
    """The network a file's metadata (or a part of it) describes, with fresh weights."""
    if "first" in metadata:
        shape = metadata["network"]
        return SecondStage(_built(metadata["first"], stems, rate), hidden=shape["hidden"], layers=shape["layers"])
    if "members" in metadata:
        return Bag([MaskNet(stems, rate, **member["network"]) for member in metadata["members"]], metadata["weights"],
                   metadata.get("temperature", 1.0))  # bags written before temperatures keep the mean
    return MaskNet(stems, rate, **metadata["network"])


@functools.lru_cache(maxsize=1)
def shipped() -> MaskSeparator:
    """The shipped bag of mask networks (:data:`SHIPPED`)."""
    return load(str(files("diffsep.assets").joinpath(SHIPPED)))
