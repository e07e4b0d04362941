"""Faults a careless user can cause: each ends in one clear line, never in silent garbage."""

import pytest
import soundfile
import torch
from typer.testing import CliRunner

import diffsep
from diffsep.cli import app
from diffsep.errors import DiffsepError
from diffsep.likelihoods import Dirac
from diffsep.priors import checkpoints, gaussian, learned_io
from diffsep.samplers.noise import generators

runner = CliRunner()
FAST = ["--steps", "4", "--num-samples", "1", "-q"]


@pytest.fixture
def song(tmp_path):
    prior = gaussian()
    path = tmp_path / "song.wav"
    soundfile.write(path, prior.sample(1, 8192, generators(1, 0))[0].sum(0).numpy(), prior.sample_rate, subtype="FLOAT")
    return path


def test_a_checkpoint_with_nan_weights_is_refused_at_load(tmp_path, song):
    prior = learned_io.from_size("msdm", "tiny", ["bass", "drums", "guitar", "piano"], 22050)
    good = learned_io.save(prior, tmp_path / "good.safetensors")
    tensors, metadata = checkpoints.load(good)
    name = sorted(tensors)[3]
    tensors[name] = torch.full_like(tensors[name], float("nan"))
    checkpoints.save(tmp_path / "nan.safetensors", tensors, metadata)
    result = runner.invoke(app, ["run", str(song), "--checkpoint", str(tmp_path / "nan.safetensors"), "-o", str(tmp_path / "out"), *FAST])
    assert result.exit_code == 1 and "NaN or infinite values in 1 tensors" in result.output and name in result.output
    assert not (tmp_path / "out").exists()


def test_a_checkpoints_metadata_reads_as_load_does_and_foreign_files_are_one_line(tmp_path):
    prior = learned_io.from_size("msdm", "tiny", ["bass", "drums", "guitar", "piano"], 22050)
    good = learned_io.save(prior, tmp_path / "good.safetensors")
    assert checkpoints.metadata(good) == checkpoints.load(good)[1]
    from safetensors.torch import save_file
    save_file({"w": torch.zeros(2)}, tmp_path / "foreign.safetensors")
    (tmp_path / "text.safetensors").write_text("not a checkpoint")
    for read in (checkpoints.metadata, checkpoints.load):
        with pytest.raises(DiffsepError, match="has no diffsep metadata"):
            read(tmp_path / "foreign.safetensors")
        with pytest.raises(DiffsepError, match="not a readable safetensors checkpoint"):
            read(tmp_path / "text.safetensors")
        with pytest.raises(DiffsepError, match="does not exist"):
            read(tmp_path / "missing.safetensors")


class NaNCorrection(Dirac):
    def correct(self, x, sigma, denoised):
        return torch.where(sigma.reshape(-1, 1, 1) < 0.5, float("nan"), super().correct(x, sigma, denoised))


def test_a_likelihood_returning_nan_is_named_with_its_noise_level():
    prior = gaussian()
    mixture = prior.sample(1, 2048, generators(1, 0)).sum(1)
    with pytest.raises(DiffsepError, match=r"NaNCorrection.correct returned NaN or infinite values at noise level sigma = 0\.4"):
        diffsep.separate(mixture, prior, NaNCorrection(mixture, 0, (0, 1, 2, 3)), steps=10)


class Broken:
    stems, sample_rate = ["a", "b"], 8000

    def denoise(self, x, sigma):
        return x / 0.0


def test_a_prior_returning_infinity_is_named():
    with pytest.raises(DiffsepError, match=r"Broken.denoise returned NaN or infinite values at noise level sigma = 1\b"):
        diffsep.separate(torch.ones(1, 256), Broken(), steps=5)


@pytest.mark.parametrize("scale", [1.0, 4.0])
def test_clamp_bounds_d_in_the_networks_units_as_documented(scale):
    prior = learned_io.from_size("msdm", "tiny", ["bass", "drums", "guitar", "piano"], 22050, clamp=True, data_scale=scale)
    denoised = prior.denoise(10 * torch.randn(1, 4, 1024, generator=torch.Generator().manual_seed(0)), 5.0)
    assert float(denoised.abs().max()) == pytest.approx(1 / scale)
    help_text = runner.invoke(app, ["convert", "--help"], terminal_width=200).output
    assert "network's units" in help_text and "data scale" in help_text


def test_separation_does_not_depend_on_the_input_level():
    """The shipped prior brings each mixture to its training level and the stems back."""
    from diffsep.evaluation.metrics import si_sdr
    from diffsep.io import audio
    from diffsep.priors import msdm

    prior = msdm()
    assert prior.level is not None and 0.01 < prior.level < 1
    mixture = audio.read("examples/audio/mixture.wav", prior.sample_rate)[0][:, : 2 * prior.sample_rate]
    references = torch.stack([audio.read(f"examples/audio/reference/{s}.wav", prior.sample_rate)[0][0, : mixture.shape[-1]]
                              for s in prior.stems])
    scores = {}
    for gain in (0.01, 1.0, 10.0):
        stems = diffsep.separate(gain * mixture, prior, steps=6, seed=0) / gain
        scores[gain] = si_sdr(stems[0], references).mean()
    assert all(abs(float(scores[g] - scores[1.0])) < 0.2 for g in scores), scores


def test_a_loud_float_file_gives_stems_at_its_own_level(tmp_path, song):
    data, rate = soundfile.read(song, dtype="float32")
    loud = tmp_path / "loud.wav"
    soundfile.write(loud, 100 * data / abs(data).max(), rate, subtype="FLOAT")
    result = runner.invoke(app, ["run", str(loud), "--prior", "gaussian", "-o", str(tmp_path / "out"), "--float32", *FAST])
    assert result.exit_code == 0, result.output
    peaks = [abs(soundfile.read(tmp_path / "out" / "loud" / f"{s}.wav")[0]).max() for s in ("bass", "drums", "guitar", "piano")]
    assert max(peaks) < 200


def test_a_silent_track_gives_silent_stems_and_a_warning(tmp_path, song):
    silent = tmp_path / "silent.wav"
    soundfile.write(silent, torch.zeros(4096).numpy(), 22050)
    result = runner.invoke(app, ["run", str(silent), str(song), "-o", str(tmp_path / "out"), "--prior", "gaussian", *FAST])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "silent.wav' is silent: writing silent stems" in result.output
    for stem in ("bass", "drums", "guitar", "piano"):
        assert not soundfile.read(tmp_path / "out" / "silent" / f"{stem}.wav")[0].any()
        assert soundfile.read(tmp_path / "out" / "song" / f"{stem}.wav")[0].any()


def test_separate_gives_silence_for_a_silent_mixture():
    assert not diffsep.separate(torch.zeros(2, 512), gaussian(), steps=3).any()


def test_a_full_disk_is_one_line_naming_the_file(tmp_path, song, monkeypatch):
    import shutil

    def full(self, data):
        raise soundfile.LibsndfileError(2, prefix="Error writing: ")  # libsndfile's "System error"

    monkeypatch.setattr(soundfile.SoundFile, "write", full)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 0))
    result = runner.invoke(app, ["run", str(song), "-o", str(tmp_path / "out"), "--prior", "gaussian", *FAST])
    assert result.exit_code == 1 and "no space left on device" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "could not write" in result.output
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]


def test_an_unwritable_output_folder_is_one_line(tmp_path, song):
    (tmp_path / "taken").write_text("a file, not a folder")
    result = runner.invoke(app, ["run", str(song), "-o", str(tmp_path / "taken" / "out"), "--prior", "gaussian", *FAST])
    assert result.exit_code == 1 and "could not write" in result.output and "taken" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_scratch_of_killed_runs_is_removed(tmp_path, song, monkeypatch):
    import os
    import subprocess
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale, live = tmp_path / f"diffsep-{dead.pid}-abc", tmp_path / f"diffsep-{os.getppid()}-def"
    for folder in (stale, live):
        folder.mkdir()
        (folder / "stem.wav").write_bytes(b"x" * 1000)
    result = runner.invoke(app, ["run", str(song), "-o", str(tmp_path / "out"), "--prior", "gaussian", *FAST])
    assert result.exit_code == 0, result.output
    assert not stale.exists() and live.exists()


def test_a_bad_track_in_an_album_is_named_and_the_others_are_done(tmp_path, song):
    album = tmp_path / "album"
    album.mkdir()
    (album / "a_good.wav").write_bytes(song.read_bytes())
    (album / "b_junk.wav").write_bytes(b"RIFF nonsense")
    (album / "c_good.wav").write_bytes(song.read_bytes())
    result = runner.invoke(app, ["run", str(album), "-o", str(tmp_path / "out"), "--prior", "gaussian", *FAST])
    assert result.exit_code == 1 and "1 of 3 tracks failed" in result.output
    assert result.output.count("b_junk.wav") == 1, result.output  # named once, not once per layer it passed
    for track in ("a_good", "c_good"):
        assert len(list((tmp_path / "out" / track).glob("*.wav"))) == 4
    assert not (tmp_path / "out" / "b_junk").exists()


CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.mark.parametrize("device, precision", [("cpu", "bf16"), pytest.param("cuda", "bf16", marks=CUDA),
                                               pytest.param("cuda", "fp16", marks=CUDA)])
def test_reduced_precision_stays_close_to_fp32(tmp_path, device, precision):
    """--precision bf16/fp16 (autocast) gives stems within 20 dB SI-SDR of fp32's (on the CPU)."""
    from diffsep.evaluation.metrics import si_sdr

    mixture = tmp_path / "mix.wav"
    data, rate = soundfile.read("examples/audio/mixture.wav", dtype="float32")
    soundfile.write(mixture, data[: rate * 2], rate, subtype="FLOAT")
    stems = {}
    for run, (where, how) in {"fp32": ("cpu", "fp32"), "reduced": (device, precision)}.items():
        args = ["run", str(mixture), "-o", str(tmp_path / run), "--device", where, "--precision", how, "--steps", "4",
                "--num-samples", "1", "--float32", "-q"]
        assert runner.invoke(app, args).exit_code == 0
        stems[run] = torch.stack([torch.from_numpy(soundfile.read(tmp_path / run / "mix" / f"{s}.wav")[0])
                                  for s in ("bass", "drums", "guitar", "piano")])
    assert float(si_sdr(stems["reduced"], stems["fp32"]).min()) > 20
    assert "--precision is one of" in runner.invoke(app, ["run", str(mixture), "--precision", "fp8", "-q"]).output
