"""Shared fixtures and Hypothesis profiles (`ci` under CI=true, `thorough` by hand)."""

import os
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import modelspec
from modelspec.backends import tensorflow_environment

tensorflow_environment()  # before any test module imports keras itself

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "specs").glob("*.yaml"))

# CI draws the same examples every run (a landing is not decided by luck); dev and thorough explore
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
settings.register_profile("dev", max_examples=50, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
settings.register_profile("thorough", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def bad_input(test):
    """Settings of a property over generated bad input (issue 17's "Done when"): under the
    `thorough` profile, 4,000 cases (the three such properties draw 12,000 bad specs), each to
    finish within 5 s (Hypothesis' deadline fails the case that does not, after a rerun); under
    `ci` and `dev`, the profile's modest count and no deadline (a loaded CI machine is no
    measure). Run them alone: HYPOTHESIS_PROFILE=thorough pytest -m bad_input."""
    test = pytest.mark.bad_input(test)
    if settings.get_current_profile_name() != "thorough":
        return test
    return settings(max_examples=4000, deadline=timedelta(seconds=5))(test)


def problems(text: str) -> list[str]:
    """Every problem `loads` reports for a spec text (dedented), as printed, with file spec.yaml."""
    with pytest.raises(modelspec.SpecError) as info:
        modelspec.loads(textwrap.dedent(text), "spec.yaml")
    return [str(p) for p in info.value.problems]


def spec(text: str) -> modelspec.Spec:
    return modelspec.loads(textwrap.dedent(text), "spec.yaml")
