"""Long signals: separated in overlapping segments they score as separated in one piece."""

import torch

import diffsep
from diffsep.evaluation.metrics import si_sdri
from diffsep.separation.segments import OverlapAdd, Segments, stream_separation
from diffsep.priors import GaussianPrior
from diffsep.priors.spectra import demo_spectra
from diffsep.samplers.noise import generators

RATE, STEMS = 8000, ["bass", "drums", "guitar", "piano"]
OPTIONS = dict(steps=40, sampler_options={"corrector_steps": 1})


def test_segmented_separation_scores_within_half_a_db_of_one_piece():
    prior = GaussianPrior(demo_spectra(STEMS, RATE, 512, 0.9), STEMS, RATE)
    stems = prior.sample(4, 8 * RATE, generators(4, 7))  # 4 songs of 8 s as 4 "channels"
    mixture = stems.sum(1)
    whole = diffsep.separate(mixture, prior, "dirac", seed=0, **OPTIONS)

    def separate(segments, first):  # [N, 4, L] -> [N, 4, S, L], one segment per call (batch 1)
        seeds = [100 * first + j for j in range(4)]
        return diffsep.separate(segments[0], prior, "dirac", seed=seeds, **OPTIONS)[None]

    blocks = mixture.split(3000, dim=-1)
    pieces = stream_separation(blocks, (RATE, RATE, RATE), 4, 4, 4, Segments(2 * RATE, RATE // 2), separate)
    segmented = torch.cat(list(pieces), dim=-1)
    assert segmented.shape == whole.shape
    torch.testing.assert_close(segmented.sum(1), mixture, atol=1e-5, rtol=1e-5)
    score = lambda estimate: float(si_sdri(estimate, stems, mixture[:, None]).mean())  # noqa: E731
    assert abs(score(segmented) - score(whole)) < 0.5, (score(segmented), score(whole))
    assert score(whole) > 3.0  # the comparison is between real separations


def test_segments_count_what_overlap_add_separates():
    segments = Segments(100, 25)
    for frames in (1, 99, 100, 101, 175, 176, 250, 1000, 1001):
        seen = []

        def separate(batch, first):
            seen.append(len(batch))
            return torch.zeros(len(batch), 1, 1, segments.length)

        stream = OverlapAdd(segments, separate, batch=3)
        for block in torch.zeros(1, frames).split(37, dim=-1):
            list(stream.push(block))
        list(stream.finish())
        assert sum(seen) == segments.count(frames), frames


def test_segments_default_to_two_training_chunks_and_batch_about_12_s_per_call():
    from diffsep.components import build_prior
    from diffsep.separation.engine import CALL_SECONDS, Engine
    from diffsep.separation.settings import SEGMENT_CHUNKS, SEGMENT_SECONDS, resolve

    engine = lambda prior, **options: Engine(prior, resolve(prior, "paper", **options))  # noqa: E731
    msdm, gaussian = build_prior("msdm"), build_prior("gaussian")
    shipped = engine(msdm)
    chunk, rate = msdm.chunk, msdm.sample_rate
    assert shipped.segments_for(10**6).length == SEGMENT_CHUNKS * chunk
    assert shipped.segments_for(1000) == Segments(1000, 0)  # a shorter track is one segment
    assert engine(msdm, segment=5.0).segments_for(10**6).length == 5 * rate
    unknown = engine(gaussian)  # no training chunk: 12 s
    assert unknown.segments_for(10**7).length == int(SEGMENT_SECONDS * gaussian.sample_rate)
    assert unknown.segments_per_call(2, unknown.segments_for(10**7)) == 1
    assert shipped.segments_per_call(2, shipped.segments_for(10**6)) == round(CALL_SECONDS * rate / (SEGMENT_CHUNKS * chunk))
    batched = engine(msdm, batch_size=16, num_samples=4)
    assert batched.segments_per_call(2, batched.segments_for(10**6)) == 2  # 16 items of 2 channels x 4 samples
