"""Training: losses go down, --resume continues exactly, two processes stay in sync."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from diffsep.cli import app
from diffsep.data.synth import SynthConfig, synthesize
from diffsep.errors import DiffsepError
from diffsep.evaluation.denoising import LEVELS
from diffsep.priors import checkpoints, learned_io
from diffsep.training import TrainConfig
from diffsep.training.schedule import learning_rate_factor

BIN = Path(sys.executable).parent
ASSETS = Path(__file__).parents[1] / "diffsep" / "assets"
FAST = ["--preset", "tiny", "--chunk", "4096", "--batch-size", "2", "--log-every", "1", "--val-every", "100", "-q"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data") / "set"
    synthesize(SynthConfig(root, tracks=10, seconds=2.0, seed=0))
    return root


def _logged(run: Path, key: str) -> dict[int, float]:
    """Step -> ``key`` of every log line that has it."""
    lines = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    return {line["step"]: line[key] for line in lines if key in line}


def _losses(run: Path) -> dict[int, float]:
    return _logged(run, "loss")


def _train(data, out, *extra):
    result = CliRunner().invoke(app, ["train", "--data", str(data), "-o", str(out), *FAST, *extra])
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("decay", ["constant", "cosine"])
def test_resume_reproduces_the_uninterrupted_losses(data, tmp_path, decay):
    _train(data, tmp_path / "whole", "--steps", "6", "--lr-decay", decay)
    _train(data, tmp_path / "split", "--steps", "6", "--lr-decay", decay, "--stop-at", "3")
    _train(data, tmp_path / "split", "--steps", "6", "--lr-decay", decay, "--resume")
    whole, split = _losses(tmp_path / "whole"), _losses(tmp_path / "split")
    assert list(whole) == [1, 2, 3, 4, 5, 6]
    assert whole == split
    a = learned_io.load(tmp_path / "whole" / "prior.safetensors").state_dict()
    b = learned_io.load(tmp_path / "split" / "prior.safetensors").state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_resume_with_fewer_steps_shortens_the_cosine_from_there(data, tmp_path):
    """A run aimed at 8 steps, stopped at 3 and resumed with --steps 6, follows the 6-step
    cosine from step 4 on and ends annealed (how a long run is cut to fit the time left)."""
    _train(data, tmp_path / "whole", "--steps", "6", "--lr-decay", "cosine")
    _train(data, tmp_path / "cut", "--steps", "8", "--lr-decay", "cosine", "--stop-at", "3")
    _train(data, tmp_path / "cut", "--steps", "6", "--lr-decay", "cosine", "--resume")
    whole, cut = _logged(tmp_path / "whole", "lr"), _logged(tmp_path / "cut", "lr")
    assert cut[3] > whole[3]  # the 8-step cosine had decayed less by step 3
    assert [cut[k] for k in (4, 5, 6)] == pytest.approx([whole[k] for k in (4, 5, 6)])
    assert cut[6] == pytest.approx(0.0, abs=1e-12) and max(_losses(tmp_path / "cut")) == 6


def test_training_lowers_the_loss_and_exports_the_ema_prior(data, tmp_path):
    _train(data, tmp_path / "run", "--steps", "40", "--lr", "3e-3", "--prior", "weak", "--val-every", "20")
    losses = list(_losses(tmp_path / "run").values())
    assert sum(losses[-10:]) < sum(losses[:10])
    prior = learned_io.load(tmp_path / "run" / "prior.safetensors")
    assert prior.kind == "weak"
    metadata = json.loads((tmp_path / "run" / "config.json").read_text())
    assert metadata["prior"] == "weak" and metadata["steps"] == 40
    lines = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    validations = [line for line in lines if "val_loss" in line]
    assert validations and all(line["val_loss"] is not None for line in validations)
    # the run-independent protocol's errors, in dB at its fixed levels; a trained network beats silence (0 dB)
    assert all(list(line["val_error_db"]) == [f"{level:g}" for level in LEVELS] for line in validations)
    assert validations[-1]["val_error_db"]["0.001"] < 0


def test_the_learning_rate_warms_up_then_stays_or_follows_a_half_cosine_to_zero():
    constant = [learning_rate_factor(4, "constant", 20, step) for step in range(20)]
    cosine = [learning_rate_factor(4, "cosine", 20, step) for step in range(21)]
    assert constant[:4] == cosine[:4] == [0.25, 0.5, 0.75, 1.0]
    assert constant[4:] == [1.0] * 16
    assert cosine[4] == 1.0 and cosine[12] == pytest.approx(0.5) and cosine[20] == pytest.approx(0.0)
    assert all(a > b for a, b in zip(cosine[4:], cosine[5:]))
    with pytest.raises(DiffsepError, match="--lr-decay 'linear' is not one of constant, cosine"):
        TrainConfig(data=Path("d"), out=Path("o"), lr_decay="linear")


def test_resume_without_state_is_a_clear_error(data, tmp_path):
    result = CliRunner().invoke(app, ["train", "--data", str(data), "-o", str(tmp_path / "none"), *FAST, "--resume"])
    assert result.exit_code == 1 and "nothing to resume" in result.output


def test_two_cpu_processes_end_with_identical_weights(data, tmp_path):
    out = tmp_path / "ddp"
    command = [str(BIN / "torchrun"), "--standalone", "--nproc_per_node", "2", "-m", "diffsep.cli", "train",
               "--data", str(data), "-o", str(out), *FAST, "--steps", "4"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    # A clean shutdown: every rank destroys the gloo process group (after a barrier) before the
    # interpreter exits; left to interpreter teardown, gloo's worker threads abort the process
    # ("terminate called without an active exception").
    assert done.returncode == 0 and "terminate called" not in done.stderr, done.stderr[-2000:]
    final = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()][-1]
    assert final["event"] == "done" and len(final["rank_checksums"]) == 2
    assert final["rank_checksums"][0] == final["rank_checksums"][1]


def test_an_interrupted_run_saves_and_resumes(data, tmp_path):
    out = tmp_path / "stop"
    command = [str(BIN / "diffsep"), "train", "--data", str(data), "-o", str(out), *FAST, "--steps", "100000"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (out / "log.jsonl").is_file() and time.time() < deadline:
        time.sleep(0.5)
    process.send_signal(signal.SIGTERM)  # unwinds like Ctrl-C (SIGINT may be ignored under a CI runner)
    stdout, _ = process.communicate(timeout=120)
    assert process.returncode == 130 and "--resume" in stdout
    saved = json.loads((out / "state" / "step.json").read_text())["step"]
    assert saved >= 1 and learned_io.load(out / "prior.safetensors") is not None
    _train(data, out, "--steps", str(saved + 2), "--resume")
    assert max(_losses(out)) == saved + 2


def test_mixed_precision_bf16_trains(data, tmp_path):
    # its own process: Accelerate keeps one precision per process
    command = [str(BIN / "diffsep"), "train", "--data", str(data), "-o", str(tmp_path / "bf16"), *FAST, "--steps", "2",
               "--mixed-precision", "bf16"]
    assert subprocess.run(command, capture_output=True).returncode == 0
    assert all(np.isfinite(loss) for loss in _losses(tmp_path / "bf16").values())


def test_init_from_starts_at_the_checkpoint_and_carries_its_lineage(data, tmp_path):
    _train(data, tmp_path / "first", "--steps", "4", "--lr", "3e-3")
    first = tmp_path / "first" / "prior.safetensors"
    _train(data, tmp_path / "next", "--steps", "3", "--lr", "0", "--init-from", str(first))
    before, after = learned_io.load(first).state_dict(), learned_io.load(tmp_path / "next" / "prior.safetensors").state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # lr 0: the checkpoint's weights, untouched
    old, new = checkpoints.load(first)[1], checkpoints.load(tmp_path / "next" / "prior.safetensors")[1]
    assert (old["training_steps"], new["training_steps"]) == (4, 7)
    assert 0 < old["cpu_hours"] < new["cpu_hours"]
    assert new["data"] == old["data"] and new["data"][0]["seed"] == 0 and new["preset"] == "tiny"


def test_init_from_trains_onwards_and_lowers_the_validation_loss(data, tmp_path):
    _train(data, tmp_path / "first", "--steps", "10", "--lr", "3e-3")
    first = tmp_path / "first" / "prior.safetensors"
    _train(data, tmp_path / "next", "--steps", "30", "--lr", "3e-3", "--warmup", "5", "--val-every", "30",
           "--ema-decay", "0.9", "--init-from", str(first))
    lines = [json.loads(line) for line in (tmp_path / "next" / "log.jsonl").read_text().splitlines()]
    continued = [line["loss"] for line in lines if "loss" in line]
    fresh = list(_losses(tmp_path / "first").values())
    assert np.mean(continued[-5:]) < np.mean(fresh[:5])


def test_init_from_refuses_a_contradicting_option_or_kind(data, tmp_path):
    _train(data, tmp_path / "first", "--steps", "1")
    first = str(tmp_path / "first" / "prior.safetensors")
    runner = CliRunner()
    rate = runner.invoke(app, ["train", "--data", str(data), "-o", str(tmp_path / "a"), *FAST, "--sample-rate", "8000", "--init-from", first])
    assert rate.exit_code == 1 and "sample_rate 22050" in rate.output and "leave the option out" in rate.output
    kind = runner.invoke(app, ["train", "--data", str(data), "-o", str(tmp_path / "b"), *FAST, "--prior", "weak", "--init-from", first])
    assert kind.exit_code == 1 and "--prior msdm" in kind.output


@pytest.mark.parametrize("file, kind, chunk", [("msdm-small.safetensors", "msdm", 16384),  # runs C, E, F's chunks
                                               ("spectral-small.safetensors", "spectral", 32768)])  # run SA's
def test_the_shipped_priors_record_what_they_were_trained_on(file, kind, chunk):
    metadata = checkpoints.load(ASSETS / file)[1]
    assert metadata["preset"] == "small" and metadata["training_steps"] > 0 and metadata["cpu_hours"] > 0
    assert 0 < metadata["level"] < 1  # the training mixtures' RMS, which separate() normalises to
    assert all({"source", "seed", "tracks", "sample_rate"} <= set(data) for data in metadata["data"])
    prior = learned_io.load(ASSETS / file)
    assert prior.kind == kind and prior.sample_rate == metadata["sample_rate"]
    assert prior.chunk == metadata["chunk"] == chunk


def test_a_trained_prior_records_its_chunk_and_a_continuation_its_own(data, tmp_path):
    _train(data, tmp_path / "first", "--steps", "1")
    first = tmp_path / "first" / "prior.safetensors"
    assert learned_io.load(first).chunk == checkpoints.load(first)[1]["chunk"] > 0
    _train(data, tmp_path / "next", "--steps", "1", "--chunk", "1024", "--init-from", str(first))
    assert learned_io.load(tmp_path / "next" / "prior.safetensors").chunk == 1024
