"""The example plugin package installs with pip and its likelihood is found by name."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile
import torch
from helpers import correlated_prior

import diffsep
from diffsep.likelihoods import Observation

PLUGIN = Path(__file__).parents[1] / "plugins" / "diffsep-gains"
BIN = Path(sys.executable).parent


def test_pip_installs_the_plugin_and_the_cli_finds_it(tmp_path):
    target = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                              "--target", str(target), str(PLUGIN)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-2000:]
    env = {**os.environ, "PYTHONPATH": str(target)}
    listed = subprocess.run([str(BIN / "diffsep"), "list", "--json"], capture_output=True, text=True, env=env)
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["gained-dirac"]["origin"] == "plugin (diffsep-gains)"
    song = tmp_path / "mix.wav"
    soundfile.write(song, 0.1 * np.sin(np.linspace(0, 900, 22050)), 22050, subtype="FLOAT")
    run = subprocess.run([str(BIN / "diffsep"), "run", str(song), "-o", str(tmp_path / "out"), "--prior", "gaussian",
                          "--likelihood", "gained-dirac",
                          "-L", "gains=[1, 0.5, 1, 2]", "--constrained", "piano", "--steps", "40", "--corrector-steps", "1", "--float32", "-q",
                          "--tuning", "off"],  # the tone is 43 cents off the grid: auto would resample it, exact only inside
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    stems = [soundfile.read(tmp_path / "out" / "mix" / f"{s}.wav")[0] for s in ("bass", "drums", "guitar", "piano")]
    mixture = soundfile.read(song)[0]
    np.testing.assert_allclose(stems[0] + 0.5 * stems[1] + stems[2] + 2 * stems[3], mixture, atol=1e-5)


def test_gained_dirac_with_unit_gains_is_msdm_dirac():
    sys.path.insert(0, str(PLUGIN))
    try:
        from diffsep_gains import gained_dirac
    finally:
        sys.path.remove(str(PLUGIN))
    prior = correlated_prior()
    mixture = prior.sample(2, 256, [torch.Generator().manual_seed(s) for s in (0, 1)]).sum(1)
    ours = diffsep.separate(mixture, prior, gained_dirac(Observation(prior.stems, mixture), "1,1,1,1", "guitar"), steps=30, seed=0)
    reference = diffsep.separate(mixture, prior, "dirac", steps=30, seed=0, likelihood_options={"constrained": "guitar"})
    torch.testing.assert_close(ours, reference, atol=1e-5, rtol=1e-5)
