"""Bags of mask networks: the weighted mean of their stems, stems that add up, files that load and say what is in them."""

import pytest
import torch
from typer.testing import CliRunner

from diffsep.cli import app
from diffsep.components import build_prior
from diffsep.errors import DiffsepError
from diffsep.initial import initial_stems
from diffsep.masknet import Bag, MaskNet, load, save, save_bag
from diffsep.masknet.training import MaskNetTraining
from diffsep.priors import checkpoints

STEMS = ["bass", "drums", "guitar", "piano"]


def _saved(tmp_path, name, seed, stems=STEMS, rate=11025):
    torch.manual_seed(seed)
    path = tmp_path / f"{name}.safetensors"
    save(MaskNet(stems, rate, hidden=32, layers=1).eval(), path, training_steps=seed + 10, recipe={"seed": seed})
    return path


def test_a_bag_separates_as_the_weighted_mean_of_its_networks_and_its_stems_add_up():
    torch.manual_seed(0)
    first, second = MaskNet(STEMS, 11025, hidden=32, layers=1).eval(), MaskNet(STEMS, 11025, hidden=32, layers=1).eval()
    mixture = torch.randn(2, 11025) * 0.1
    with torch.no_grad():
        stems = Bag([first, second], [3, 1])(mixture)
        torch.testing.assert_close(stems, 0.75 * first(mixture) + 0.25 * second(mixture), atol=1e-6, rtol=1e-5)
        torch.testing.assert_close(Bag([first, second])(mixture), (first(mixture) + second(mixture)) / 2, atol=1e-6, rtol=1e-5)
        torch.testing.assert_close(Bag([first, second], [1, 0])(mixture), first(mixture), atol=1e-6, rtol=1e-5)  # weight 0: left out
    torch.testing.assert_close(stems.sum(1), mixture, atol=1e-5, rtol=1e-4)


def test_a_bag_written_by_the_cli_loads_to_the_same_stems_and_names_its_members(tmp_path):
    paths = [_saved(tmp_path, "a", 1), _saved(tmp_path, "b", 2)]
    result = CliRunner().invoke(app, ["bag", *map(str, paths), "-o", str(tmp_path / "bag.safetensors"), "--weights", "1,3"])
    assert result.exit_code == 0, result.output
    bag, mixture = load(tmp_path / "bag.safetensors"), torch.randn(1, 6000) * 0.1
    assert isinstance(bag, Bag) and bag.weights == [0.25, 0.75]
    with torch.no_grad():  # stored in float16, as the shipped models are
        torch.testing.assert_close(bag(mixture), Bag([load(p) for p in paths], [1, 3])(mixture), atol=1e-3, rtol=1e-2)
    members = checkpoints.load(tmp_path / "bag.safetensors")[1]["members"]
    assert [(m["file"], m["training_steps"], m["recipe"]["seed"]) for m in members] == [("a.safetensors", 11, 1), ("b.safetensors", 12, 2)]
    stems = initial_stems(str(tmp_path / "bag.safetensors"), mixture, build_prior("gaussian"))  # --init FILE takes a bag
    assert stems.shape == (1, 4, 6000)


def test_a_bag_named_among_the_networks_stands_for_its_members_with_their_lineage(tmp_path):
    a, b, c = _saved(tmp_path, "a", 1), _saved(tmp_path, "b", 2), _saved(tmp_path, "c", 3)
    save_bag([a, b], tmp_path / "ab.safetensors", [3, 1], temperature=2.0)
    result = CliRunner().invoke(app, ["bag", str(c), str(tmp_path / "ab.safetensors"), "-o", str(tmp_path / "abc.safetensors"),
                                      "--weights", "2,1,1"])
    assert result.exit_code == 0 and "a bag of 3 mask networks" in result.output, result.output
    bag, mixture = load(tmp_path / "abc.safetensors"), torch.randn(1, 6000) * 0.1
    assert bag.weights == [0.5, 0.25, 0.25] and bag.temperature == 1.0  # the inner bag's weights and temperature stay behind
    with torch.no_grad():
        torch.testing.assert_close(bag(mixture), Bag([load(p) for p in (c, a, b)], [2, 1, 1])(mixture), atol=1e-3, rtol=1e-2)
    members = checkpoints.load(tmp_path / "abc.safetensors")[1]["members"]
    assert [(m["file"], m.get("bag"), m["training_steps"]) for m in members] == [
        ("c.safetensors", None, 13), ("a.safetensors", "ab.safetensors", 11), ("b.safetensors", "ab.safetensors", 12)]


def test_what_cannot_be_bagged_is_refused_with_what_to_do(tmp_path):
    first = _saved(tmp_path, "a", 1)
    with pytest.raises(DiffsepError, match="share their stems, rate and STFT"):
        save_bag([first, _saved(tmp_path, "slow", 2, rate=8000)], tmp_path / "no.safetensors")
    with pytest.raises(DiffsepError, match="share their stems"):
        save_bag([first, _saved(tmp_path, "two", 3, stems=["vocals", "rest", "x", "y"])], tmp_path / "no.safetensors")
    with pytest.raises(DiffsepError, match="two mask networks or more"):
        save_bag([first], tmp_path / "no.safetensors")
    with pytest.raises(DiffsepError, match="two mask networks or more"):
        save_bag([], tmp_path / "no.safetensors")
    with pytest.raises(DiffsepError, match="non-negative weights"):
        save_bag([first, first], tmp_path / "no.safetensors", [1, -1])
    save_bag([first, first], tmp_path / "bag.safetensors")
    with pytest.raises(DiffsepError, match="3 networks needs 3 non-negative weights"):  # a bag stands for its members
        save_bag([first, tmp_path / "bag.safetensors"], tmp_path / "no.safetensors", [1, 1])
    result = CliRunner().invoke(app, ["bag", str(first), str(first), "-o", str(tmp_path / "no.safetensors"), "--weights", "a,b"])
    assert result.exit_code == 1 and "numbers separated by commas" in result.output
    with pytest.raises(DiffsepError, match="a bag of mask networks: start from one network"):
        MaskNetTraining(data=[tmp_path], out=tmp_path / "run", init_from=tmp_path / "bag.safetensors")
    assert not (tmp_path / "no.safetensors").exists()


def test_a_bags_temperature_softens_its_mean_mask_and_its_stems_still_add_up(tmp_path):
    torch.manual_seed(0)
    first, second = MaskNet(STEMS, 11025, hidden=32, layers=1).eval(), MaskNet(STEMS, 11025, hidden=32, layers=1).eval()
    mixture = torch.randn(1, 6000) * 0.1
    spec = first.spectrum(mixture)
    with torch.no_grad():
        mean, soft = Bag([first, second]).masks(spec), Bag([first, second], temperature=2.0).masks(spec)
        expected = mean.sqrt() / mean.sqrt().sum(1, keepdim=True)  # T = 2: the square root, normalized
        torch.testing.assert_close(soft, expected, atol=1e-6, rtol=1e-5)
        assert (soft.amax(1) <= mean.amax(1) + 1e-6).all() and (soft.amax(1) < mean.amax(1)).any()  # softer: the largest mask falls
        uniform = Bag([first, second], temperature=1e6).masks(spec)
        torch.testing.assert_close(uniform, torch.full_like(uniform, 0.25), atol=1e-4, rtol=0)
        torch.testing.assert_close(Bag([first, second], temperature=3.0)(mixture).sum(1), mixture, atol=1e-5, rtol=1e-4)
    paths = [_saved(tmp_path, "a", 1), _saved(tmp_path, "b", 2)]
    result = CliRunner().invoke(app, ["bag", *map(str, paths), "-o", str(tmp_path / "bag.safetensors"), "--temperature", "1.5"])
    assert result.exit_code == 0, result.output
    assert load(tmp_path / "bag.safetensors").temperature == 1.5
    with pytest.raises(DiffsepError, match="temperature is above 0"):
        save_bag(paths, tmp_path / "no.safetensors", temperature=0.0)
    assert not (tmp_path / "no.safetensors").exists()
