"""Datasets over the MSDM layout."""

import numpy as np
import pytest
import soundfile
import torch

from diffsep.data.datasets import FixedChunks, RandomChunks, active_stems
from diffsep.errors import DiffsepError

RATE = 8000


@pytest.fixture
def root(tmp_path):
    """Two train tracks (one too short), a drums file missing in the long one."""
    long = tmp_path / "train" / "TrackA"
    short = tmp_path / "train" / "TrackB"
    for folder, seconds in ((long, 3.0), (short, 0.5)):
        folder.mkdir(parents=True)
        for index, stem in enumerate(("bass", "drums", "guitar")):
            if folder == long and stem == "drums":
                continue
            signal = np.full(int(seconds * RATE), 0.1 * (index + 1), np.float32)
            soundfile.write(folder / f"{stem}.wav", signal, RATE, subtype="FLOAT")
    return tmp_path


def test_random_chunks_shapes_order_and_missing_stems(root):
    dataset = RandomChunks(root, "train", ["guitar", "drums", "bass"], length=RATE, sample_rate=RATE, seed=0, items=5)
    assert len(dataset) == 5 and len(dataset.tracks) == 1  # the 0.5 s track is skipped
    chunk = dataset[0]
    assert chunk.shape == (3, RATE) and chunk.dtype == torch.float32
    assert torch.allclose(chunk[0], torch.full((RATE,), 0.3)) and torch.allclose(chunk[2], torch.full((RATE,), 0.1))
    assert float(chunk[1].abs().max()) == 0  # missing drums read as silence


def test_random_chunks_are_reproducible_and_shift(root, tmp_path):
    ramp = tmp_path / "ramp" / "train" / "T"
    ramp.mkdir(parents=True)
    soundfile.write(ramp / "bass.wav", np.arange(4 * RATE, dtype=np.float32) / (4 * RATE), RATE, subtype="FLOAT")
    dataset = RandomChunks(tmp_path / "ramp", "train", ["bass"], length=RATE, sample_rate=RATE, seed=3, items=8)
    starts = [float(dataset[i][0, 0]) for i in range(8)]
    assert len(set(starts)) > 4  # random shift: windows start at different places
    assert starts == [float(dataset[i][0, 0]) for i in range(8)]
    dataset.set_epoch(1)
    assert starts != [float(dataset[i][0, 0]) for i in range(8)]


def test_fixed_chunks_cover_each_track_without_overlap(root):
    dataset = FixedChunks(root, "train", ["bass", "drums", "guitar"], length=RATE, sample_rate=RATE)
    assert len(dataset) == 3 and [start for _, start in dataset.index] == [0, RATE, 2 * RATE]
    assert dataset[2].shape == (3, RATE)


def test_filter_keeps_chunks_with_two_active_stems(tmp_path):
    folder = tmp_path / "test" / "T"
    folder.mkdir(parents=True)
    bass = np.full(2 * RATE, 0.2, np.float32)
    drums = np.concatenate([np.zeros(RATE, np.float32), np.full(RATE, 0.2, np.float32)])
    soundfile.write(folder / "bass.wav", bass, RATE, subtype="FLOAT")
    soundfile.write(folder / "drums.wav", drums, RATE, subtype="FLOAT")
    everything = FixedChunks(tmp_path, "test", ["bass", "drums"], length=RATE, sample_rate=RATE)
    filtered = FixedChunks(tmp_path, "test", ["bass", "drums"], length=RATE, sample_rate=RATE, min_active=2)
    assert len(everything) == 2 and len(filtered) == 1 and active_stems(filtered[0]) == 2


def test_wrong_sample_rate_and_empty_split_are_clear_errors(root):
    with pytest.raises(DiffsepError, match="8000 Hz, not 22050"):
        RandomChunks(root, "train", ["bass"], length=100, sample_rate=22050)
    with pytest.raises(DiffsepError, match="no tracks"):
        FixedChunks(root, "test", ["bass"], length=100, sample_rate=RATE)
    with pytest.raises(DiffsepError, match="samples long"):
        FixedChunks(root, "train", ["bass"], length=10 * RATE, sample_rate=RATE)
