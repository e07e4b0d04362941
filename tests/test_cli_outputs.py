"""Outputs of `diffsep run`: templates, formats, clipping, many files, samples, interruption."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from diffsep.cli import app

FAST = ["--steps", "40", "--corrector-steps", "1", "-q"]
STEMS = ("bass", "drums", "guitar", "piano")
runner = CliRunner()


def _song(path: Path, seconds: float = 1.0, rate: int = 22050, channels: int = 1, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    signal_ = 0.2 * np.sin(2 * np.pi * 110 * t) + 0.05 * rng.standard_normal(len(t))
    soundfile.write(path, np.stack([signal_] * channels, 1), rate, subtype="FLOAT")
    return path


def _run(*args):
    return runner.invoke(app, ["run", *map(str, args), *FAST])


def test_template_formats_and_config(tmp_path):
    song = _song(tmp_path / "a.wav")
    result = _run(song, "-o", tmp_path / "out", "--filename", "{track}_{stem}.{ext}", "--flac", "--int24")
    assert result.exit_code == 0, result.output
    info = soundfile.info(tmp_path / "out" / "a_bass.flac")
    assert info.format == "FLAC" and info.subtype == "PCM_24" and info.frames == 22050
    assert json.loads((tmp_path / "out" / "a_config.json").read_text())["prior"] == "msdm"  # the default
    assert _run(song, "-o", tmp_path / "x", "--flac", "--float32").exit_code == 1
    assert "may only use" in _run(song, "-o", tmp_path / "x", "--filename", "{artist}/{stem}.{ext}").output


def test_default_is_16_bit_and_rescale_keeps_the_peak_under_one(tmp_path):
    loud = tmp_path / "loud.wav"
    soundfile.write(loud, 1.5 * np.sin(np.linspace(0, 600, 22050)), 22050, subtype="FLOAT")
    assert _run(loud, "-o", tmp_path / "out").exit_code == 0
    data, _ = soundfile.read(tmp_path / "out" / "loud" / "bass.wav")
    assert soundfile.info(tmp_path / "out" / "loud" / "bass.wav").subtype == "PCM_16"
    assert np.abs(data).max() < 1.0


def test_folders_globs_and_skip_existing(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("one", "two"):
        _song(folder / f"{name}.wav")
    (folder / "notes.txt").write_text("not audio")
    assert _run(folder, "-o", tmp_path / "out").exit_code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["one", "two"]
    stamp = (tmp_path / "out" / "one" / "bass.wav").stat().st_mtime_ns
    assert _run(str(folder / "*.wav"), "-o", tmp_path / "out", "--skip-existing").exit_code == 0
    assert (tmp_path / "out" / "one" / "bass.wav").stat().st_mtime_ns == stamp
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _run(empty, "-o", tmp_path / "o2")
    assert result.exit_code == 1 and "holds no audio files" in result.output
    assert "no file matches" in _run(str(tmp_path / "*.mp9"), "-o", tmp_path / "o3").output


def test_num_samples_writes_the_mean_and_each_sample(tmp_path):
    song = _song(tmp_path / "s.wav")
    exact = ["--precision", "fp32"]  # bf16 kernels may round differently for another batch size
    assert _run(song, "-o", tmp_path / "out", "--num-samples", "2", "--write-samples", "--float32", *exact).exit_code == 0
    folder = tmp_path / "out" / "s"
    mean = soundfile.read(folder / "bass.wav")[0]
    samples = [soundfile.read(folder / f"bass_sample{k}.wav")[0] for k in (1, 2)]
    assert not np.allclose(samples[0], samples[1])
    np.testing.assert_allclose(mean, (samples[0] + samples[1]) / 2, atol=1e-5)
    # one item per call gives the same samples: every item has its own generator
    assert _run(song, "-o", tmp_path / "one", "--num-samples", "2", "--write-samples", "--float32", "--batch-size", "1", *exact).exit_code == 0
    np.testing.assert_allclose(soundfile.read(tmp_path / "one" / "s" / "bass_sample2.wav")[0], samples[1], atol=1e-6)


def test_keep_model_sr_and_stereo_44k(tmp_path):
    song = _song(tmp_path / "st.wav", rate=44100, channels=2)
    assert _run(song, "-o", tmp_path / "a", "--prior", "gaussian").exit_code == 0
    info = soundfile.info(tmp_path / "a" / "st" / "piano.wav")
    assert (info.samplerate, info.channels, info.frames) == (44100, 2, 44100)
    assert _run(song, "-o", tmp_path / "b", "--keep-model-sr", "--prior", "gaussian").exit_code == 0  # a 22050 Hz prior
    info = soundfile.info(tmp_path / "b" / "st" / "piano.wav")
    assert (info.samplerate, info.channels, info.frames) == (22050, 2, 22050)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: _song(d / "tiny.wav", seconds=0.01), "too short"),
        (lambda d: soundfile.write(d / "nan.wav", np.full(2000, np.nan), 22050, subtype="FLOAT") or d / "nan.wav", "NaN"),
    ],
)
def test_more_bad_inputs(tmp_path, make, message):
    result = _run(make(tmp_path), "-o", tmp_path / "out")
    assert result.exit_code == 1 and message in result.output


def test_known_stem_with_another_rate_is_refused(tmp_path):
    song = _song(tmp_path / "m.wav")
    drums = _song(tmp_path / "d.wav", rate=16000)
    result = _run(song, "--known", f"drums={drums}", "-o", tmp_path / "out")
    assert result.exit_code == 1 and "mixture's channels and rate" in result.output


def test_an_interrupted_run_leaves_no_partial_stem(tmp_path):
    song = _song(tmp_path / "long.wav", seconds=60.0)
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    scratch.mkdir()
    command = [str(Path(sys.executable).with_name("diffsep")), "run", str(song), "-o", str(out), "--steps", "150", "-q"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "TMPDIR": str(scratch)})
    deadline = time.time() + 120
    while not list(scratch.glob("diffsep-*")) and time.time() < deadline:  # the track has started
        time.sleep(0.2)
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert not out.exists() or not [p for p in out.rglob("*") if p.is_file()]
    assert not list(scratch.iterdir()), "scratch files were left behind"
