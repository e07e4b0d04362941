"""Check 6: with a fixed seed, item j's result does not depend on the batch it runs in."""

import pytest
import torch
from helpers import correlated_prior

import diffsep
from diffsep.samplers.noise import generators

T = 256


@pytest.mark.parametrize("sampler", ["euler", "heun"])
@pytest.mark.parametrize("likelihood", ["dirac", "gaussian"])
def test_item_alone_equals_item_in_batch(sampler, likelihood):
    prior = correlated_prior()
    mixture = prior.sample(4, T, generators(4, 40)).sum(1)
    options = {"s_churn": 20.0, "corrector_steps": 2}
    batch = diffsep.separate(mixture, prior, likelihood, sampler, steps=12, seed=[10, 11, 12, 13], sampler_options=options)
    alone = diffsep.separate(mixture[2:3], prior, likelihood, sampler, steps=12, seed=12, sampler_options=options)
    torch.testing.assert_close(alone[0], batch[2], atol=1e-6, rtol=1e-5)


def test_int_seed_gives_item_j_seed_plus_j():
    prior = correlated_prior()
    batch = diffsep.generate(prior, 3, T, steps=8, seed=5)
    alone = diffsep.generate(prior, 1, T, steps=8, seed=7)
    torch.testing.assert_close(alone[0], batch[2], atol=1e-6, rtol=1e-5)


def test_imputation_is_batch_independent():
    prior = correlated_prior()
    drums = prior.sample(3, T, generators(3, 9))[:, 1]
    batch = diffsep.impute({"drums": drums}, prior, steps=8, seed=[1, 2, 3])
    alone = diffsep.impute({"drums": drums[1:2]}, prior, steps=8, seed=[2])
    torch.testing.assert_close(alone[0], batch[1], atol=1e-6, rtol=1e-5)


def test_batched_segments_equal_one_by_one(tmp_path):
    """Several overlapping segments in one network call give the stems of one call each."""
    import soundfile
    from typer.testing import CliRunner

    from diffsep.cli import app

    path = tmp_path / "long.wav"
    noise = torch.Generator().manual_seed(0)
    soundfile.write(path, (0.1 * torch.randn(2, 22050 * 2, generator=noise)).T.numpy(), 22050, subtype="FLOAT")
    written = {}
    for size in (0, 3, 16):
        out = tmp_path / f"b{size}"
        args = ["run", str(path), "-o", str(out), "--prior", "gaussian", "--segment", "0.4", "--steps", "5",
                "--num-samples", "2", "--batch-size", str(size), "--float32", "-q"]
        assert CliRunner().invoke(app, args).exit_code == 0
        written[size] = torch.from_numpy(soundfile.read(out / "long" / "drums.wav")[0])
    assert torch.allclose(written[0], written[3], atol=1e-6) and torch.allclose(written[0], written[16], atol=1e-6)


@pytest.mark.parametrize("inference", [False, True])
def test_parallel_noise_draws_equal_serial_draws(inference):
    """The CPU draws items in threads; each item's values are its generator's alone."""
    from diffsep.samplers.noise import NoiseSampler

    threads = torch.get_num_threads()
    draws = {}
    try:
        for count in (1, 3):
            torch.set_num_threads(count)
            with torch.inference_mode(inference):
                noise = NoiseSampler(generators(5, 21), (2, 1000), torch.float32, "cpu")
                draws[count] = torch.cat([noise(), noise()])
    finally:
        torch.set_num_threads(threads)
    gens = generators(5, 21)  # the serial reference: two draws, item by item
    serial = torch.cat([torch.stack([torch.randn(2, 1000, generator=g) for g in gens]) for _ in range(2)])
    assert torch.equal(draws[1], serial) and torch.equal(draws[3], serial)
