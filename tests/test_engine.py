"""One engine from a tensor to stems: every way in gives the same stems for the same options."""

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from typer.testing import CliRunner

import diffsep
from diffsep.cli import app
from diffsep.components import build_prior
from diffsep.separation.engine import Engine
from diffsep.separation.settings import resolve

STEMS = ("bass", "drums", "guitar", "piano")
OPTIONS = {"prior": "gaussian", "steps": 3, "num_samples": 2, "seed": 5}
FLAGS = ["--prior", "gaussian", "--steps", "3", "--num-samples", "2", "--seed", "5", "--float32", "--clip-mode", "none", "-q"]
runner = CliRunner()


def _song(rate: int, channels: int = 2, seconds: float = 2.0) -> torch.Tensor:
    rng = np.random.default_rng(1)
    t = np.arange(int(seconds * rate)) / rate
    rows = [0.2 * np.sin(2 * np.pi * 110 * (c + 2) * t) + 0.05 * rng.standard_normal(len(t)) for c in range(channels)]
    return torch.from_numpy(np.stack(rows).astype(np.float32))


def _written(folder) -> dict[str, torch.Tensor]:
    return {name: torch.from_numpy(soundfile.read(folder / f"{name}.wav", dtype="float32", always_2d=True)[0].T.copy())
            for name in STEMS}


def test_the_cli_evaluate_a_file_and_a_tensor_give_the_same_stems(tmp_path):
    rate, song = 44100, _song(44100)
    track = tmp_path / "set" / "song"
    track.mkdir(parents=True)
    soundfile.write(track / "mixture.wav", song.T.numpy(), rate, subtype="FLOAT")
    for name in STEMS:  # evaluate scores against references; any will do here
        soundfile.write(track / f"{name}.wav", (song / 4).T.numpy(), rate, subtype="FLOAT")
    ran = runner.invoke(app, ["run", str(track / "mixture.wav"), "-o", str(tmp_path / "run"), *FLAGS])
    assert ran.exit_code == 0, ran.output
    evaluated = runner.invoke(app, ["evaluate", str(tmp_path / "set"), "--split", "", "-o", str(tmp_path / "eval"), "--prior",
                                    "gaussian", "--steps", "3", "--num-samples", "2", "--seed", "5", "-q"])
    assert evaluated.exit_code == 0, evaluated.output
    separator = diffsep.Separator(**OPTIONS)
    from_file = separator.separate_audio_file(track / "mixture.wav")
    from_tensor = separator.separate_tensor(song, rate)
    assert from_file.sample_rate == from_tensor.sample_rate == rate
    for name, stem in from_tensor.stems.items():
        torch.testing.assert_close(from_file.stems[name], stem, rtol=0, atol=0)
        torch.testing.assert_close(_written(tmp_path / "run" / "mixture")[name], stem, rtol=0, atol=0)
        torch.testing.assert_close(_written(tmp_path / "eval" / "estimates" / "song")[name], stem, rtol=0, atol=0)
    assert torch.allclose(sum(from_tensor.stems.values()), song, atol=1e-5)  # the whole band, every channel


def test_config_json_records_the_settings_that_ran(tmp_path):
    rate = 22050
    soundfile.write(tmp_path / "song.wav", _song(rate).T.numpy(), rate, subtype="FLOAT")
    ran = runner.invoke(app, ["run", str(tmp_path / "song.wav"), "-o", str(tmp_path), *FLAGS, "--post-filter"])
    assert ran.exit_code == 0, ran.output
    config = json.loads((tmp_path / "song" / "config.json").read_text())
    settings = diffsep.Separator(**OPTIONS, post_filter=True).settings
    assert {key: config[key] for key in settings.record()} == json.loads(json.dumps(settings.record()))
    assert (config["post_filter"], config["band"]) == (False, "masks")  # the whole band's masks did the post-filter's work


def test_a_tensor_never_touches_the_disk(monkeypatch):
    separator = diffsep.Separator(**OPTIONS)

    def refused(*args, **kwargs):
        raise AssertionError("the disk was touched")

    for module, name in ((soundfile, "write"), (soundfile, "read"), (soundfile, "SoundFile")):
        monkeypatch.setattr(module, name, refused)
    monkeypatch.setattr("tempfile.mkdtemp", refused)
    monkeypatch.setattr("tempfile.mkstemp", refused)
    separated = separator.separate_tensor(_song(16000), 16000)
    assert set(separated.stems) == set(STEMS) and separated.stems["bass"].shape == (2, 32000)


@pytest.mark.parametrize("block", [997, 4096, 10**6])
def test_the_stream_gives_what_one_tensor_gives_in_any_blocks(block):
    prior = build_prior("gaussian")
    engine = Engine(prior, resolve(prior, "paper", steps=3, num_samples=2, segment=0.5, seed=3))
    song, known = _song(22050), _song(22050).flip(-1) / 3
    whole = engine.apply(song, 22050, {"drums": known})
    rows = torch.cat([song, known])
    streamed = torch.cat(list(engine.stream(rows.split(block, -1), 22050, 2, song.shape[-1], ["drums"])), -1)
    torch.testing.assert_close(streamed, whole, rtol=0, atol=1e-6)
    assert torch.equal(whole[:, STEMS.index("drums")], known)  # a known stem comes back as given
    started = Engine(prior, resolve(prior, "network", segment=0.5))  # a mask network's start, in a first pass
    whole = started.apply(song, 22050)
    torch.testing.assert_close(torch.cat(list(started.stream(song.split(block, -1), 22050, 2, song.shape[-1])), -1), whole,
                               rtol=0, atol=1e-6)


def test_a_folder_start_needs_its_stems():
    prior = build_prior("gaussian")
    engine = Engine(prior, resolve(prior, "fast", init="some/folder"))
    with pytest.raises(diffsep.DiffsepError, match="give them"):
        engine.apply(_song(22050), 22050)
    start = torch.stack([_song(22050) / 4] * 4)
    assert engine.apply(_song(22050), 22050, start=start).shape == (2, 4, 44100)


def test_the_network_preset_is_the_mask_network_alone(monkeypatch):
    separator = diffsep.Separator(preset="network")
    assert (separator.settings.steps, separator.settings.init, separator.settings.num_samples) == (0, "masknet", 1)

    def refused(*args, **kwargs):
        raise AssertionError("the prior was evaluated")

    monkeypatch.setattr(separator.prior, "denoise", refused)
    song = _song(22050, seconds=1.0)
    stems = separator.separate_tensor(song, 22050).stems
    assert torch.allclose(sum(stems.values()), song, atol=1e-5)
    with pytest.raises(diffsep.DiffsepError, match="give a start"):
        diffsep.Separator(preset="network", init="none").separate_tensor(song, 22050)


def test_a_mask_network_start_hears_the_whole_song_not_the_prior_segments():
    """The prior refines 2.97-s segments; the mask network's LSTM reads up to CONTEXT_SECONDS at
    once, so the `network` preset gives what the network gives on the whole of a shorter song."""
    from diffsep.initial import first_separator
    from diffsep.priors import learned_io, DEFAULT_MSDM

    prior = learned_io.load(Path(diffsep.priors.__file__).parent.parent / "assets" / DEFAULT_MSDM)
    song = _song(prior.sample_rate, channels=1, seconds=8.0)
    engine, network = Engine(prior, resolve(prior, "network", band="model")), first_separator("masknet", prior)
    length = engine.segments_for(song.shape[-1]).length
    assert length < song.shape[-1]  # the prior would cut it
    whole = network(song)[0]
    torch.testing.assert_close(engine.apply(song, prior.sample_rate)[0], whole, rtol=0, atol=1e-5)
    alone = network(song[:, :length])[0]  # the first segment heard on its own differs
    assert (alone - whole[..., :length]).abs().max() > 1e-3


def test_the_first_pass_travels_with_its_input_in_any_blocks():
    """A first separator's stems are appended, row-aligned, to every block, across its own segments."""
    from diffsep.separation.segments import Segments, with_first_pass

    signal = torch.randn(3, 5000)  # two mixture channels and a known stem's row
    halves = lambda blocks, first: torch.stack([blocks * 0.25, blocks * 0.75], 2)  # noqa: E731  [N, C, 2, L]
    for block in (333, 5000):
        out = torch.cat(list(with_first_pass(iter(signal.split(block, -1)), 2, Segments(1200, 300), halves)), -1)
        assert out.shape == (3 + 2 * 2, 5000)
        torch.testing.assert_close(out[:3], signal)
        torch.testing.assert_close(out[3:], torch.cat([signal[:2] * 0.25, signal[:2] * 0.75]))
