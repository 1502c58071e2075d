"""Random streams: one independent generator per stage, derived from the seed.

Each stage draws from its own ``numpy.random.Generator`` built from
``SeedSequence(seed, spawn_key=(stage,))``, so a stage's draws never depend on how many
numbers another stage used, and the same seed gives the same region on any machine.
"""

from __future__ import annotations

import enum

import numpy as np


class Stage(enum.IntEnum):
    """The generator's stages, each with its own random stream (numbers are fixed)."""

    PLACES = 1
    PEOPLE = 2
    CONDITIONS = 3
    MORTALITY = 4
    MATERNITY = 5
    ENROLMENT = 6
    HIV = 7
    AIRWAYS = 8
    CHRONIC = 9
    ACUTE = 10
    REFERRALS = 11
    ENCOUNTERS = 12
    NEWBORN_MORTALITY = 13


def stream(seed: int, stage: Stage) -> np.random.Generator:
    """The random generator of one stage for this seed."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(int(stage),)))
    )
