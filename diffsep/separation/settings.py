"""Everything that decides a separation's stems, resolved once into one frozen object.

:func:`resolve` puts a user's options over a preset (:mod:`diffsep.presets`) and decides, for one
prior and likelihood, what will run: the blend and the post-filter a preset chose for the shipped
prior's stems and a likelihood whose stems add up to the mixture are dropped where they do not
apply, the network's precision ``auto`` becomes bf16 or fp32, the segment gets its length. The
result is what ``config.json`` records: what ran, not what was asked.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

import torch

from diffsep.blend import Blend
from diffsep.errors import DiffsepError
from diffsep.likelihoods import sums_to_mixture
from diffsep.presets import DEFAULT_PRESET, SAMPLER_KNOBS, SCHEDULE, resolve as resolve_preset
from diffsep.registry import LIKELIHOODS
from diffsep.separation.fullband import METHODS
from diffsep.separation.precision import resolve as resolve_precision
from diffsep.types import Prior

STEREO = ("mid", "channels")
"""``mid``: separate the channels' mean once, then share each channel among the stems by the
masks of that separation; ``channels``: separate each channel on its own
(docs/experiments/2026-12-01-whole-band-and-stereo-at-44-1-khz.md)."""
BANDS = (*METHODS, "model")
"""How stems get the input's whole band (:mod:`diffsep.separation.fullband`), or ``model``: the
prior's band only, resampled to the input's rate."""
OVERLAP = 0.25
"""Overlap of neighbouring segments, a fraction of a segment (``--overlap``)."""
TUNING = "auto"
"""``--tuning``: ``auto`` reads each song's offset from the tempered grid on A = 440 Hz and plays
it onto the grid (:mod:`diffsep.separation.tuning`); a number is the song's offset in cents, given;
``off`` (0) separates the song as it comes. ``auto`` by default: on test songs played within +-20
cents it gains ``fast`` 0.8-1.5 dB, and costs songs in tune 0.01-0.08, within noise (chosen on
validation songs: docs/experiments/2026-12-07-the-tuning-correction-in-the-engine.md)."""
SEGMENT_SECONDS = 12.0
"""Segments for a prior that does not say how long its training chunks were (MSDM: 262144 samples)."""
SEGMENT_CHUNKS = 2
"""Segments for a prior that does: this many of its training chunks. The shipped prior (1.49-s
chunks) on 30-s songs: 2.97-s segments +0.73 dB over 12-s ones, 1.49-s +0.76; on a 6-s clip 1.49-s
segments lose 1 dB where 2.97-s lose 0.3
(docs/experiments/2026-12-01-segment-length-the-cli-cuts-segments-of-two-training-chunks.md)."""


@dataclass(frozen=True)
class Settings:
    """A separation's settings as they run (see the module). Build it with :func:`resolve`."""

    preset: str
    likelihood: str
    likelihood_options: dict[str, Any]
    sampler: str
    sampler_options: dict[str, Any]
    steps: int
    sigma_min: float
    sigma_max: float
    rho: float
    init: str | None
    """The start: a named first separator, a folder of stems (files), or None (noise at ``sigma_max``)."""
    init_sigma: float
    num_samples: int
    blend: Blend | None
    post_filter: bool
    """The Wiener post-filter at the prior's rate; off where the whole band's masks do its work."""
    band: str
    stereo: str
    segment: float
    """Seconds per segment."""
    overlap: float
    seed: int
    batch_size: int
    device: str
    precision: str
    """The network's precision as it runs: fp32, bf16 or fp16."""
    keep_model_sr: bool = False
    write_samples: bool = False
    tuning: float | str = TUNING
    """``auto``, or the song's offset from the pitch grid in cents: it is separated that much lower (:data:`TUNING`)."""

    def schedule(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in SCHEDULE}

    def record(self) -> dict[str, Any]:
        """Everything, for ``config.json``."""
        return dataclasses.asdict(self)


def resolve(prior: Prior, preset: str = DEFAULT_PRESET, likelihood: str = "dirac", *, task: str = "run",
            likelihood_options: Mapping[str, Any] | None = None, sampler_options: Mapping[str, Any] | None = None,
            sampler: str | None = None, init: str | None = None, init_sigma: float | None = None,
            num_samples: int | None = None, blend: Blend | None = None, post_filter: bool | None = None,
            band: str | None = None, stereo: str = "mid", segment: float | None = None, overlap: float = OVERLAP,
            seed: int = 0, batch_size: int = 0, device: str = "cpu", precision: str = "auto",
            keep_model_sr: bool = False, write_samples: bool = False, tuning: str | float = TUNING,
            **schedule: Any) -> Settings:
    """The settings of separating with ``prior``: ``preset`` (of ``task``) with every option given
    (not None) over it, as on the command line. ``schedule`` holds ``steps``, ``sigma_min``,
    ``sigma_max``, ``rho``, ``s_churn``, ``corrector_steps`` (None: the preset's);
    ``sampler_options`` any other options of the sampler (a plugin's own)."""
    unknown = set(schedule) - set(SCHEDULE) - set(SAMPLER_KNOBS)
    if unknown:
        raise DiffsepError(f"unknown sampling options: {', '.join(sorted(unknown))} (use {', '.join(SCHEDULE + SAMPLER_KNOBS)})")
    chosen = resolve_preset(preset, task, sampler=sampler, init=init, init_sigma=init_sigma, num_samples=num_samples,
                            blend=blend, post_filter=post_filter, **schedule)
    own = resolve_preset(preset, task)
    sums = sums_to_mixture(LIKELIHOODS.get(likelihood))
    if chosen.num_samples < 1:
        raise DiffsepError(f"--num-samples must be at least 1, got {chosen.num_samples}")
    if stereo not in STEREO:
        raise DiffsepError(f"--stereo is {' or '.join(STEREO)}, not {stereo!r}")
    if band is not None and band not in BANDS:
        raise DiffsepError(f"--band is {', '.join(BANDS[:-1])} or {BANDS[-1]}, not {band!r}")
    filtered = _post_filter(chosen.post_filter, own.post_filter if post_filter is None else False, sums, likelihood)
    band = ("masks" if filtered else "residual") if band is None else band
    if not sums or keep_model_sr:
        band = "model"  # nothing to share out, or no band beyond the prior's
    network = isinstance(prior, torch.nn.Module)
    return Settings(
        preset=preset, likelihood=likelihood, likelihood_options=dict(likelihood_options or {}), sampler=chosen.sampler,
        sampler_options={**chosen.sampler_options(), **dict(sampler_options or {})}, **chosen.schedule(),
        init=chosen.init, init_sigma=chosen.init_sigma, num_samples=chosen.num_samples,
        blend=_blend(chosen.blend, own.blend, sums, prior),
        post_filter=filtered and band != "masks", band=band, stereo=stereo,
        segment=default_segment(prior) if segment is None else float(segment), overlap=overlap, seed=seed,
        batch_size=batch_size, device=device, precision=resolve_precision(precision, device, network),
        keep_model_sr=keep_model_sr, write_samples=write_samples, tuning=_tuning(tuning))


def _tuning(given: str | float) -> float | str:
    """``auto``, or the song's offset in cents (``off``: 0), from ``--tuning``."""
    if given in ("auto", "off"):
        return 0.0 if given == "off" else given
    try:
        cents = float(given)
    except ValueError:
        raise DiffsepError(f"--tuning is auto, off or the song's offset from A = 440 Hz in cents, not {given!r}") from None
    if not abs(cents) <= 50:
        raise DiffsepError(f"--tuning {given}: an offset beyond 50 cents is nearer the next semitone; give the offset from that one")
    return cents


def default_segment(prior: Prior) -> float:
    """Seconds per segment: ``SEGMENT_CHUNKS`` of the prior's training chunks (near the context it
    knows), else ``SEGMENT_SECONDS``."""
    chunk = getattr(prior, "chunk", None)
    return SEGMENT_CHUNKS * chunk / prior.sample_rate if chunk else SEGMENT_SECONDS


def _blend(blend: Blend | None, own: Blend | None, sums: bool, prior: Prior) -> Blend | None:
    """The blend weights for ``prior``. A preset's own weights were chosen for the shipped prior's
    stems with a likelihood whose stems add up to the mixture, as the start filter's do: another
    prior's stems keep 1, and another observation model (``impute``, a plugin's) blends nothing.
    Weights a user gave apply as given and must name the prior's stems."""
    if blend is None or blend != own:
        return blend
    if not sums:
        return None
    return {stem: weight for stem, weight in own.items() if stem in prior.stems} if isinstance(own, Mapping) else own


def _post_filter(asked: bool, presets: bool, sums: bool, likelihood: str) -> bool:
    """Whether the Wiener post-filter runs: it shares the mixture out, so a preset's is on only with
    a likelihood whose stems add up to it, and one a user asks for needs such a likelihood."""
    if not asked or sums:
        return bool(asked)
    if presets:
        return False
    raise DiffsepError(f"--post-filter shares the mixture out among the stems; the likelihood {likelihood!r}'s "
                       "stems do not add up to it: leave out --post-filter")
