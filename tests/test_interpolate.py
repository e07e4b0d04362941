"""`diffsep interpolate`: weights and level between a prior and its continuation, both parents
named in the metadata, and priors of different networks refused before anything is written."""

import pytest
import torch
from typer.testing import CliRunner

from diffsep.cli.main import app
from diffsep.priors import checkpoints, learned_io

STEMS = ["bass", "drums"]
DATA = [{"source": "mini-slakh", "seed": 1}, {"source": "mini-slakh", "seed": 2}]


def _prior(path, seed, level, preset="tiny", **lineage):
    torch.manual_seed(seed)
    prior = learned_io.from_size("msdm", preset, STEMS, 8000)
    prior.level, prior.chunk = level, 4096
    learned_io.save(prior, path, preset=preset, **lineage)
    return checkpoints.load(path)[0]


def _interpolate(*args):
    result = CliRunner().invoke(app, ["interpolate", *map(str, args)])
    return result.exit_code, result.output


@pytest.mark.parametrize("weight", [0.0, 0.3, 1.0])
def test_weights_and_level_lie_between_the_parents(tmp_path, weight):
    start = _prior(tmp_path / "F.safetensors", 0, 0.10, training_steps=100, cpu_hours=1.0, data=DATA[:1])
    end = _prior(tmp_path / "J.safetensors", 1, 0.20, training_steps=150, cpu_hours=1.5, data=DATA)
    code, output = _interpolate(tmp_path / "F.safetensors", tmp_path / "J.safetensors", "--weight", weight,
                                "--dtype", "float32", "-o", tmp_path / "mix.safetensors")
    assert code == 0, output
    tensors, metadata = checkpoints.load(tmp_path / "mix.safetensors")
    for name, value in tensors.items():
        torch.testing.assert_close(value, (1 - weight) * start[name] + weight * end[name], rtol=1e-6, atol=1e-7)
    assert metadata["level"] == pytest.approx(0.10 + weight * 0.10)
    assert (metadata["training_steps"], metadata["cpu_hours"], metadata["data"]) == (150, 1.5, DATA)  # the continuation's lineage
    assert metadata["interpolated"] == {"start": {"file": "F.safetensors", "training_steps": 100, "cpu_hours": 1.0},
                                        "end": {"file": "J.safetensors", "training_steps": 150, "cpu_hours": 1.5}, "weight": weight}
    assert learned_io.load(tmp_path / "mix.safetensors").level == pytest.approx(metadata["level"])


def test_parents_of_separate_runs_add_their_lineages(tmp_path):
    _prior(tmp_path / "a.safetensors", 0, 0.1, training_steps=100, cpu_hours=1.0, data=DATA[:1])
    _prior(tmp_path / "b.safetensors", 1, 0.1, training_steps=50, cpu_hours=0.5, data=DATA[1:])
    code, output = _interpolate(tmp_path / "a.safetensors", tmp_path / "b.safetensors", "-o", tmp_path / "mix.safetensors")
    assert code == 0, output
    metadata = checkpoints.load(tmp_path / "mix.safetensors")[1]
    assert (metadata["training_steps"], metadata["cpu_hours"], metadata["data"], metadata["dtype"]) == (150, 1.5, DATA, "float16")


def test_different_networks_are_refused_before_writing(tmp_path):
    _prior(tmp_path / "a.safetensors", 0, 0.1)
    _prior(tmp_path / "b.safetensors", 0, 0.1, preset="small")
    code, output = _interpolate(tmp_path / "a.safetensors", tmp_path / "b.safetensors", "-o", tmp_path / "mix.safetensors")
    assert code != 0 and "not one network (they differ in network)" in output and not (tmp_path / "mix.safetensors").exists()
    code, output = _interpolate(tmp_path / "a.safetensors", tmp_path / "a.safetensors", "--weight", "1.5", "-o", tmp_path / "mix.safetensors")
    assert code != 0 and "--weight must lie in [0, 1]" in output and not (tmp_path / "mix.safetensors").exists()
