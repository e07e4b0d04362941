"""The examples keep working: the user's likelihood file from Python and from the CLI."""

import runpy
import subprocess
import sys
from pathlib import Path

import torch
from helpers import correlated_prior
from typer.testing import CliRunner

import diffsep
from diffsep.cli import app
from diffsep.evaluation.metrics import si_sdri

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_custom_likelihood_from_python():
    namespace = runpy.run_path(str(EXAMPLES / "custom_likelihood.py"))  # registers it
    prior = correlated_prior()
    stems = prior.sample(2, 1024, [torch.Generator().manual_seed(s) for s in (0, 1)])
    mixture = stems.sum(1)
    estimate = diffsep.separate(mixture, prior, "soft-projection", steps=40, seed=0)
    assert isinstance(diffsep.LIKELIHOODS.get("soft-projection")(diffsep.Observation(prior.stems, mixture)), namespace["SoftProjection"])
    assert float(si_sdri(estimate, stems, mixture[:, None]).mean()) > 1.0


def test_custom_likelihood_from_the_cli(tmp_path):
    result = CliRunner().invoke(app, [
        "run", str(EXAMPLES / "audio" / "mixture.wav"), "--plugin", str(EXAMPLES / "custom_likelihood.py"),
        "--likelihood", "soft-projection", "--gamma", "0.01", "--steps", "30", "--corrector-steps", "1",
        "-o", str(tmp_path), "-q",
    ])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "mixture").glob("*.wav")) == ["bass.wav", "drums.wav", "guitar.wav", "piano.wav"]


def test_diffsep_command_is_installed():
    done = subprocess.run([Path(sys.executable).with_name("diffsep"), "list", "--json"], capture_output=True, text=True)
    assert done.returncode == 0 and '"name": "dirac"' in done.stdout


def test_accompaniment_and_separate_examples_run(tmp_path):
    for script in ("accompaniment.py", "separate.py"):
        done = subprocess.run([sys.executable, str(EXAMPLES / script)], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    assert (EXAMPLES / "accompaniment" / "piano.wav").is_file()
    assert "SI-SDRi" in done.stdout
