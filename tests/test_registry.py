"""Check 8: lookup rules, user registration, entry-point plugins, and broken plugins."""

import sys
import textwrap
from pathlib import Path

import pytest
import torch
from helpers import correlated_prior

import diffsep
from diffsep.errors import DiffsepError, PluginError
from diffsep.likelihoods import GaussianMixture, Observation
from diffsep.registry import LIKELIHOODS, SAMPLERS, Registry


def test_lookup_is_case_and_separator_insensitive():
    assert SAMPLERS.get("EULER") is SAMPLERS.get("euler")
    assert diffsep.PRIORS.get("Weak_Gaussian") is diffsep.PRIORS.get("weak-gaussian")


def test_unknown_name_suggests_close_matches():
    with pytest.raises(DiffsepError, match="Did you mean 'heun'"):
        SAMPLERS.get("huen")


def test_module_attr_path():
    assert SAMPLERS.get("diffsep.samplers:Heun") is diffsep.samplers.Heun
    with pytest.raises(DiffsepError, match="cannot import"):
        SAMPLERS.get("diffsep.samplers:Nope")


def test_bad_options_name_the_component():
    with pytest.raises(DiffsepError, match="dirac"):
        diffsep.separate(torch.zeros(1, 64) + 0.1, "gaussian", "dirac", steps=2, likelihood_options={"gamma": 1.0})


def test_a_likelihood_registered_in_a_test_module_is_usable_by_name():
    @LIKELIHOODS.register("half-gaussian-test")
    def half_gaussian(observation: Observation, gamma: float = 1.5) -> GaussianMixture:
        return GaussianMixture(observation.require_mixture("half-gaussian-test"), gamma, (0, 1, 2, 3))

    prior = correlated_prior()
    mixture = prior.sample(1, 128, [torch.Generator().manual_seed(0)]).sum(1)
    out = diffsep.separate(mixture, prior, "Half_Gaussian_Test", steps=4, seed=0)
    assert out.shape == (1, 4, 128)
    assert any(e.name == "half-gaussian-test" and e.origin.startswith("user") for e in LIKELIHOODS.entries())


def _install_fake_distribution(site: Path, name: str, entry_points: str, module: str, source: str) -> None:
    """What pip leaves behind: a module and a ``.dist-info`` with ``entry_points.txt``."""
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{name.replace('-', '_')}-0.1.dist-info"  # the wheel spec's escaping
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for module in ("diffsep_gain_plugin", "diffsep_broken_plugin"):
        sys.modules.pop(module, None)


def test_entry_point_plugin_is_found_and_a_broken_one_is_isolated(site):
    _install_fake_distribution(
        site, "diffsep-gain-plugin",
        """
        [diffsep.likelihoods]
        gained = diffsep_gain_plugin:gained
        """,
        "diffsep_gain_plugin",
        """
        from diffsep.likelihoods import GaussianMixture

        def gained(observation, gamma=0.75):
            return GaussianMixture(observation.require_mixture("gained"), gamma, tuple(range(len(observation.stems))))
        """,
    )
    _install_fake_distribution(
        site, "diffsep-broken-plugin",
        """
        [diffsep.likelihoods]
        broken = diffsep_broken_plugin:missing
        """,
        "diffsep_broken_plugin",
        "raise ImportError('this plugin is broken on purpose')\n",
    )
    entries = {entry.name: entry for entry in LIKELIHOODS.entries()}
    assert entries["gained"].origin == "plugin (diffsep-gain-plugin)"
    assert "broken" in entries  # listed without being imported
    with pytest.raises(PluginError, match="broken.*diffsep-broken-plugin"):
        LIKELIHOODS.get("broken")
    prior = correlated_prior()
    mixture = prior.sample(1, 128, [torch.Generator().manual_seed(0)]).sum(1)
    assert diffsep.separate(mixture, prior, "gained", steps=4, seed=0).shape == (1, 4, 128)
    assert SAMPLERS.get("euler") is diffsep.samplers.Euler


def test_a_plugin_file_registers_components(tmp_path):
    plugin = tmp_path / "my_sampler.py"
    plugin.write_text(
        "from diffsep import SAMPLERS\nfrom diffsep.samplers import Euler\n"
        "SAMPLERS.add('plain-euler-test', Euler)\n"
    )
    diffsep.load_plugin(str(plugin))
    assert SAMPLERS.get("plain_euler_test") is diffsep.samplers.Euler
    with pytest.raises(DiffsepError, match="does not exist"):
        diffsep.load_plugin(str(tmp_path / "missing.py"))


def test_registries_are_independent():
    registry = Registry("thing", "diffsep.things.test")
    registry.add("a", object)
    assert registry.names() == ["a"]
    with pytest.raises(DiffsepError, match="unknown thing 'b'"):
        registry.get("b")
