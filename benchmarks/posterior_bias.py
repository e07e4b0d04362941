"""How far each likelihood's sampler mean is from the exact posterior mean (Gaussian prior).

On the exact Gaussian prior the separation posterior mean is the multichannel Wiener filter and
the imputation posterior mean is the conditional mean; the sampler's own mean is exact too
(``diffsep.samplers.analysis.sampler_mean``). The relative L2 distance between them is the bias of the
method at a given budget, free of Monte-Carlo error.

Run: .venv/bin/python benchmarks/posterior_bias.py   (prints one JSON object per setting)
"""

from __future__ import annotations

import json

from diffsep.likelihoods import Dirac, GaussianMixture, Impute
from diffsep.priors import GaussianPrior
from diffsep.priors.spectra import demo_spectra
from diffsep.samplers import Euler, Heun
from diffsep.samplers.analysis import sampler_mean
from diffsep.samplers.noise import generators
from diffsep.samplers.schedules import karras_sigmas

STEMS = ["bass", "drums", "guitar", "piano"]
LENGTH = 1024


def relative(a, b) -> float:
    return round(float((a - b).norm() / b.norm()), 4)


def main() -> None:
    for correlation in (0.5, 0.7, 0.9):
        prior = GaussianPrior(demo_spectra(STEMS, 22050, 1024, correlation), STEMS, 22050)
        stems = prior.sample(1, LENGTH, generators(1, 3))
        mixture = stems.sum(1)
        wiener = prior.posterior_mean(mixture)
        conditional = prior.conditional_mean(stems[:, [1, 3]], (1, 3))[:, [0, 2]]
        likelihoods = {
            "dirac": (Dirac(mixture, 0, (0, 1, 2, 3)), wiener, slice(None)),
            "gaussian(g=0.75)": (GaussianMixture(mixture, 0.75, (0, 1, 2, 3)), wiener, slice(None)),
            "impute": (Impute(stems[:, [1, 3]], (1, 3)), conditional, [0, 2]),
        }
        for name, (likelihood, target, free) in likelihoods.items():
            for sampler_class in (Euler, Heun):
                for churn, repeats in ((0.0, 1), (20.0, 1), (20.0, 3), (20.0, 10), (40.0, 3)):
                    sampler = sampler_class(s_churn=churn, corrector_steps=repeats)
                    mean = sampler_mean(prior, likelihood, sampler, (1, 4, LENGTH), karras_sigmas(100, 1e-4, 1.0, 7.0))
                    print(json.dumps({
                        "correlation": correlation, "likelihood": name, "sampler": sampler_class.__name__.lower(),
                        "steps": 100, "s_churn": churn, "corrector_steps": repeats,
                        "relative_bias": relative(mean[:, free], target),
                    }))


if __name__ == "__main__":
    main()
