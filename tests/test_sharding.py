"""Many files on many processes: under torchrun each track is done once, as by one process."""

import json
import subprocess
import sys
from pathlib import Path

import soundfile
import torch

from diffsep.data.synth import SynthConfig, synthesize

BIN = Path(sys.executable).parent
FAST = ["--prior", "gaussian", "--steps", "4", "--num-samples", "2", "--float32", "-q"]


def _cli(*args, processes=1):
    launcher = [str(BIN / "torchrun"), "--standalone", "--nproc_per_node", str(processes), "-m", "diffsep.cli"]
    command = (launcher if processes > 1 else [str(BIN / "diffsep")]) + list(args)
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "terminate called" not in done.stderr, done.stderr[-2000:]
    return done


def test_two_processes_separate_a_folder_as_one_does(tmp_path):
    folder = tmp_path / "album"
    folder.mkdir()
    noise = torch.Generator().manual_seed(0)
    for n in range(3):
        soundfile.write(folder / f"track{n}.wav", (0.1 * torch.randn(6000, generator=noise)).numpy(), 22050, subtype="FLOAT")
    _cli("run", str(folder), "-o", str(tmp_path / "one"), *FAST)
    _cli("run", str(folder), "-o", str(tmp_path / "two"), *FAST, processes=2)
    one = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.wav"))
    assert len(one) == 12 and one == sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two").rglob("*.wav"))
    for path in one:
        assert (tmp_path / "one" / path).read_bytes() == (tmp_path / "two" / path).read_bytes()


def test_two_processes_evaluate_a_data_set_as_one_does(tmp_path):
    synthesize(SynthConfig(tmp_path / "set", tracks=20, seconds=4.5, seed=3, sample_rate=22050))
    args = ["evaluate", str(tmp_path / "set"), "--prior", "gaussian", "--steps", "3", "--num-samples", "1", "-q"]
    _cli(*args, "-o", str(tmp_path / "one"))
    _cli(*args, "-o", str(tmp_path / "two"), processes=2)
    assert (tmp_path / "one" / "windows.csv").read_text() == (tmp_path / "two" / "windows.csv").read_text()
    summary = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert summary == json.loads((tmp_path / "one" / "summary.json").read_text()) and summary["windows"] > 0
