"""The imitation peer's ``--reuse``: a cell comes from a results JSON only for the same env, settings,
library, seed and budget."""

from benchmarks.imitation_peer import committed_cell


def test_committed_cell_matches_every_key_and_the_budget():
    cell = {"seed": 1, "final_return": 480.0}
    committed = {"steps": 200_000, "tasks": {"CartPole-v1": {"cells": {
        "advrl-defaults / imitation": [{"seed": 0, "final_return": 9.0}, cell]}}}}
    assert committed_cell(committed, "CartPole-v1", "advrl-defaults", "imitation", 1, 200_000) is cell
    assert committed_cell(committed, "CartPole-v1", "advrl-defaults", "imitation", 2, 200_000) is None
    assert committed_cell(committed, "CartPole-v1", "advrl-defaults", "advrl", 1, 200_000) is None
    assert committed_cell(committed, "Pendulum-v1", "advrl-defaults", "imitation", 1, 200_000) is None
    assert committed_cell(committed, "CartPole-v1", "advrl-defaults", "imitation", 1, 100_000) is None
