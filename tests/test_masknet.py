"""The mask network: stems that add up, any level alike, files that load, runs that resume exactly."""

import json

import pytest
import torch
from typer.testing import CliRunner

from diffsep.cli import app
from diffsep.data.datasets import RandomChunks
from diffsep.data.synth import SynthConfig, synthesize
from diffsep.priors import checkpoints
from diffsep.errors import DiffsepError
from diffsep.initial import initial_stems
from diffsep.masknet import MaskNet, load, save, shipped
from diffsep.masknet.losses import playing, thresholded_sdr, waveform_sdr
from diffsep.components import build_prior

STEMS = ["bass", "drums", "guitar", "piano"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data") / "set"
    synthesize(SynthConfig(root, tracks=6, seconds=2.0, seed=0, sample_rate=11025))
    return root


def _net(seed=0):
    torch.manual_seed(seed)
    return MaskNet(STEMS, 11025, hidden=32, layers=1).eval()


def test_the_stems_add_up_to_the_mixture_and_do_not_depend_on_its_level():
    net, mixture = _net(), torch.randn(2, 11025) * 0.1
    with torch.no_grad():
        stems, louder = net(mixture), net(8.0 * mixture)
    assert stems.shape == (2, 4, 11025)
    torch.testing.assert_close(stems.sum(1), mixture, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(louder, 8.0 * stems, atol=1e-4, rtol=1e-3)


def test_a_mixture_shorter_than_a_frame_separates():
    with torch.no_grad():
        stems = _net()(torch.randn(1, 300))
    assert stems.shape == (1, 4, 300)


def test_a_saved_network_loads_to_the_same_output_and_a_prior_is_refused(tmp_path):
    net, mixture = _net(), torch.randn(1, 4000)
    save(net, tmp_path / "net.safetensors", note="test")
    with torch.no_grad():
        torch.testing.assert_close(load(tmp_path / "net.safetensors")(mixture), net(mixture))
    build_prior("gaussian").save(tmp_path / "gaussian.safetensors")
    with pytest.raises(DiffsepError, match="not a mask network"):
        load(tmp_path / "gaussian.safetensors")


def test_the_shipped_network_separates_for_a_prior_at_another_rate():
    prior = build_prior("gaussian")  # 22050 Hz; the shipped network separates at 11025
    assert shipped().sample_rate != prior.sample_rate
    mixture = torch.randn(1, 8000) * 0.1
    stems = initial_stems("masknet", mixture, prior)
    assert stems.shape == (1, 4, 8000)
    torch.testing.assert_close(stems.sum(1), mixture, atol=1e-5, rtol=1e-4)  # what lies above its band is shared out too


def test_a_network_of_other_stems_is_refused(tmp_path):
    save(MaskNet(["vocals", "rest"], 11025, hidden=32, layers=1), tmp_path / "two.safetensors")
    with pytest.raises(DiffsepError, match="pass one trained on the prior's stems"):
        initial_stems(str(tmp_path / "two.safetensors"), torch.zeros(1, 4000), build_prior("gaussian"))


def _invoke(data, out, *extra, shape=("--hidden", "32", "--layers", "1")):
    options = ["--steps", "4", "--batch-size", "2", "--seconds", "0.5", *shape, "-q"]
    return CliRunner().invoke(app, ["train-masknet", "--data", str(data), "-o", str(out), *options, *extra])


def _train(data, out, *extra, **shape):
    result = _invoke(data, out, *extra, **shape)
    assert result.exit_code == 0, result.output
    return result


def _losses(run):
    return [json.loads(line)["loss"] for line in (run / "log.jsonl").read_text().splitlines()]


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(data, tmp_path):
    _train(data, tmp_path / "whole")
    _train(data, tmp_path / "split", "--stop-at", "2")
    _train(data, tmp_path / "split", "--resume")
    assert len(_losses(tmp_path / "whole")) == 4 and _losses(tmp_path / "whole") == _losses(tmp_path / "split")
    whole, split = (load(tmp_path / run / "masknet.safetensors").state_dict() for run in ("whole", "split"))
    assert all(torch.equal(whole[name], split[name]) for name in whole)


def test_a_run_resumes_only_with_the_options_it_started_with(data, tmp_path):
    _train(data, tmp_path / "run", "--stop-at", "2")
    refused = _invoke(data, tmp_path / "run", "--resume", "--loss", "sdr", "--lr", "0.01")
    assert refused.exit_code == 1 and "--loss was 'l1', now 'sdr'" in refused.output and "--lr was 0.001" in refused.output
    assert len(_losses(tmp_path / "run")) == 2  # nothing was trained
    _train(data, tmp_path / "run", "--resume", "--steps", "3")  # a shorter cosine is the same run, ended sooner
    assert len(_losses(tmp_path / "run")) == 3


def test_a_run_records_its_lineage_and_refuses_to_overwrite_another(data, tmp_path):
    _train(data, tmp_path / "run")
    from diffsep.priors import checkpoints

    metadata = checkpoints.load(tmp_path / "run" / "masknet.safetensors")[1]
    assert metadata["training_steps"] == 4 and metadata["data"][0]["seed"] == 0 and metadata["recipe"]["batch_size"] == 2
    result = CliRunner().invoke(app, ["train-masknet", "--data", str(data), "-o", str(tmp_path / "run"), "-q"])
    assert result.exit_code != 0 and "--resume" in result.output
    result = CliRunner().invoke(app, ["train-masknet", "--data", str(data), "-o", str(tmp_path / "empty"), "--resume", "-q"])
    assert result.exit_code != 0 and "nothing to resume" in result.output


def test_several_data_sets_train_together_and_are_all_in_the_lineage(data, tmp_path):
    other = tmp_path / "other"
    synthesize(SynthConfig(other, tracks=6, seconds=2.0, seed=5, sample_rate=11025))
    _train(data, tmp_path / "run", "--data", str(other), "--data", str(other))  # the second set given twice: drawn twice as often
    metadata = checkpoints.load(tmp_path / "run" / "masknet.safetensors")[1]
    assert [entry["seed"] for entry in metadata["data"]] == [0, 5] and len(metadata["recipe"]["data"]) == 3
    both = RandomChunks([data, other], "train", STEMS, 4096, 11025)
    assert len(both.tracks) == len(RandomChunks(data, "train", STEMS, 4096, 11025).tracks) * 2
    elsewhere = tmp_path / "elsewhere"
    synthesize(SynthConfig(elsewhere, tracks=6, seconds=2.0, seed=6, sample_rate=8000))
    result = CliRunner().invoke(app, ["train-masknet", "--data", str(data), "--data", str(elsewhere), "-o", str(tmp_path / "no"), "-q"])
    assert result.exit_code == 1 and "different rates" in result.output


def test_a_run_started_from_a_network_starts_exactly_as_it_and_extends_its_lineage(data, tmp_path):
    _train(data, tmp_path / "base")
    base = tmp_path / "base" / "masknet.safetensors"
    _train(data, tmp_path / "same", "--init-from", str(base), "--steps", "0", shape=())
    assert all(torch.equal(a, b) for a, b in zip(load(base).state_dict().values(), load(tmp_path / "same" / "masknet.safetensors").state_dict().values()))
    other = tmp_path / "other"
    synthesize(SynthConfig(other, tracks=6, seconds=2.0, seed=5, sample_rate=11025))
    _train(other, tmp_path / "tuned", "--init-from", str(base), "--steps", "3", shape=())
    metadata = checkpoints.load(tmp_path / "tuned" / "masknet.safetensors")[1]
    assert metadata["training_steps"] == 4 + 3 and [entry["seed"] for entry in metadata["data"]] == [0, 5]
    assert metadata["network"]["hidden"] == 32 and metadata["recipe"]["init_from"] == str(base)
    assert not torch.equal(load(base).state_dict()["shift"], load(tmp_path / "tuned" / "masknet.safetensors").state_dict()["shift"])


def test_a_network_started_from_a_file_keeps_its_shape_and_rate(data, tmp_path):
    _train(data, tmp_path / "base")
    base = str(tmp_path / "base" / "masknet.safetensors")
    result = _invoke(data, tmp_path / "wider", "--init-from", base, shape=("--hidden", "64"))
    assert result.exit_code == 1 and "keeps its shape" in result.output
    slower = tmp_path / "slower"
    synthesize(SynthConfig(slower, tracks=6, seconds=2.0, seed=6, sample_rate=8000))
    result = _invoke(slower, tmp_path / "other-rate", "--init-from", base, shape=())
    assert result.exit_code == 1 and "8000 Hz" in result.output


def test_augmented_windows_train_and_are_recorded_and_an_unknown_augmentation_is_refused(data, tmp_path):
    _train(data, tmp_path / "plain")
    _train(data, tmp_path / "eq", "--augment", "gain,eq")
    metadata = checkpoints.load(tmp_path / "eq" / "masknet.safetensors")[1]
    assert metadata["recipe"]["augment"] == ["gain", "eq"]
    assert _losses(tmp_path / "eq") != _losses(tmp_path / "plain")  # the same windows, augmented
    result = _invoke(data, tmp_path / "no", "--augment", "chorus")
    assert result.exit_code == 1 and "chorus" in result.output and not (tmp_path / "no").exists()


def test_the_thresholded_sdr_is_the_measure_below_its_ceiling_and_stops_at_it():
    torch.manual_seed(0)
    reference = torch.randn(3, 4, 4000)
    noisy = reference + 0.3 * torch.randn_like(reference)
    plain = 10 * torch.log10(reference.square().sum(-1) / (noisy - reference).square().sum(-1))
    torch.testing.assert_close(thresholded_sdr(noisy, reference, ceiling_db=300), plain)
    assert (thresholded_sdr(noisy, reference) < plain).all()  # the floor adds to every error
    torch.testing.assert_close(thresholded_sdr(reference, reference), torch.full((3, 4), 30.0))
    assert (thresholded_sdr(0.5 * reference, reference) < 7).all()  # unlike SI-SDR, a wrong level is an error
    stems = torch.randn(2, 4, 4000)
    stems[0, 1], stems[1, 2] = 0, stems[1, 2] * 1e-3  # silent, and 60 dB down
    assert playing(stems).tolist() == [[True, False, True, True], [True, True, False, True]]


def test_a_network_trains_on_its_sdr_recorded_and_an_unknown_loss_is_refused(data, tmp_path):
    _train(data, tmp_path / "l1")
    _train(data, tmp_path / "sdr", "--loss", "sdr")
    assert checkpoints.load(tmp_path / "sdr" / "masknet.safetensors")[1]["recipe"]["loss"] == "sdr"
    assert all(loss >= -30 for loss in _losses(tmp_path / "sdr")) and _losses(tmp_path / "sdr") != _losses(tmp_path / "l1")
    net = _net()
    stems = torch.randn(2, 4, 4000) * 0.1
    stems[1] = 0  # a batch whose second window is silent throughout still trains on the first
    loss = waveform_sdr(net, stems)
    loss.backward()
    assert torch.isfinite(loss) and all(torch.isfinite(p.grad).all() for p in net.parameters() if p.grad is not None)
    result = _invoke(data, tmp_path / "no", "--loss", "mse")
    assert result.exit_code == 1 and "no loss 'mse'" in result.output and not (tmp_path / "no").exists()
