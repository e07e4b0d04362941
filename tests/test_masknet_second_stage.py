"""A second stage: a mask network over a frozen first stage, starting exactly as that stage."""

import pytest
import torch
from typer.testing import CliRunner

from diffsep.cli import app
from diffsep.components import build_prior
from diffsep.errors import DiffsepError
from diffsep.initial import initial_stems
from diffsep.masknet import Bag, load, save, save_bag
from diffsep.masknet.losses import waveform_sdr
from diffsep.masknet.second_stage import SecondStage
from diffsep.priors import checkpoints
from test_masknet import _net, data  # noqa: F401 (data: the small training set, a fixture)


def _first_stage_file(tmp_path):
    """A small network saved as training exports it (float16), and the network it loads to."""
    path = save(_net(3), tmp_path / "first.safetensors", torch.float16)
    return path, load(path)


def test_a_fresh_second_stage_returns_its_first_stages_masks_and_training_moves_only_its_own_weights():
    first = Bag([_net(0), _net(1)])
    second_stage = SecondStage(first, hidden=16, layers=1)
    spec = first.spectrum(torch.randn(2, 6000) * 0.1)
    torch.testing.assert_close(second_stage.masks(spec), first.masks(spec), atol=1e-5, rtol=1e-4)

    before = {name: value.clone() for name, value in first.state_dict().items()}
    second_stage.train()
    assert not first.training and not any(member.training for member in first.members)
    optimizer = torch.optim.SGD([p for p in second_stage.parameters() if p.requires_grad], lr=0.1)
    stems = torch.randn(2, 4, 6000) * 0.1
    for _ in range(2):  # the first step moves only the zero-started last layer; the second all of it
        optimizer.zero_grad()
        waveform_sdr(second_stage, stems).backward()
        optimizer.step()
    assert all(torch.equal(value, before[name]) for name, value in first.state_dict().items())
    second_stage.eval()
    with torch.no_grad():
        assert not torch.allclose(second_stage.masks(spec), first.masks(spec), atol=1e-4)
        torch.testing.assert_close(second_stage(stems.sum(1)).sum(1), stems.sum(1), atol=1e-5, rtol=1e-4)


def _train(*arguments):
    options = ["--steps", "3", "--batch-size", "2", "--seconds", "0.5", "--hidden", "16", "--layers", "1", "-q"]
    result = CliRunner().invoke(app, ["train-masknet", *arguments, *options])
    assert result.exit_code == 0, result.output


def test_a_trained_second_stage_carries_its_first_stage_and_separates_as_a_start(data, tmp_path):
    first_path, first = _first_stage_file(tmp_path)
    _train("--data", str(data), "-o", str(tmp_path / "run"), "--second-stage", str(first_path), "--loss", "sdr")
    written = tmp_path / "run" / "masknet.safetensors"
    second_stage, metadata = load(written), checkpoints.metadata(written)
    assert isinstance(second_stage, SecondStage) and metadata["recipe"]["second_stage"] == str(first_path)
    assert metadata["first"]["file"] == "first.safetensors" and metadata["training_steps"] == 3
    kept = second_stage.first.state_dict()
    assert all(torch.equal(kept[name], value) for name, value in first.state_dict().items())

    mixture = torch.randn(1, 8000) * 0.1
    stems = initial_stems(str(written), mixture, build_prior("gaussian"))
    with torch.no_grad():
        torch.testing.assert_close(stems.sum(1), mixture, atol=1e-5, rtol=1e-4)
        assert not torch.allclose(stems, initial_stems(str(first_path), mixture, build_prior("gaussian")), atol=1e-6)

    _train("--data", str(data), "-o", str(tmp_path / "more"), "--init-from", str(written), "--loss", "sdr")
    continued = checkpoints.metadata(tmp_path / "more" / "masknet.safetensors")
    assert continued["first"] == metadata["first"] and continued["training_steps"] == 6


def test_a_second_stage_is_refused_where_it_cannot_go(data, tmp_path):
    first_path, _ = _first_stage_file(tmp_path)
    result = CliRunner().invoke(app, ["train-masknet", "--data", str(data), "-o", str(tmp_path / "both"),
                                      "--second-stage", str(first_path), "--init-from", str(first_path)])
    assert result.exit_code != 0 and "give one of them" in result.output
    result = CliRunner().invoke(app, ["train-masknet", "--data", str(data), "-o", str(tmp_path / "order"),
                                      "--second-stage", str(first_path), "--stems", "drums,bass,guitar,piano"])
    assert result.exit_code != 0 and "give --stems in its order" in result.output
    build_prior("gaussian").save(tmp_path / "prior.safetensors")
    result = CliRunner().invoke(app, ["train-masknet", "--data", str(data), "-o", str(tmp_path / "prior"),
                                      "--second-stage", str(tmp_path / "prior.safetensors")])
    assert result.exit_code != 0 and "is not a mask network's file" in result.output
    second_stage = SecondStage(load(first_path), hidden=16, layers=1)
    save(second_stage, tmp_path / "second_stage.safetensors", first=checkpoints.metadata(first_path))
    with pytest.raises(DiffsepError, match="is a second stage: a bag holds mask networks or the members of bags"):
        save_bag([first_path, tmp_path / "second_stage.safetensors"], tmp_path / "bag.safetensors")
