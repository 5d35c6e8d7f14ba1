"""Shared test fixtures: one torch thread (the CI machine has 2 cores) and the
location of the read-only reference data beside the repo."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_path(*parts: str) -> Path:
    """Path under ../shared/data, skipping the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data {path} not present (../shared/data is beside the repo in CI)")
    return path


@pytest.fixture
def shared_data():
    return shared_path
