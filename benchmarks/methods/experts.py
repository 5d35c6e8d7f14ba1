"""Locate the shipped expert policy and demo file of an env under ``experts/`` (the GAIL issue's
deliverable): ``experts/<env>-ppo.zip`` and ``experts/demos/<env>.npz`` (or ``experts/<env>*.npz``)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.methods.common import REPO

EXPERTS = REPO / "experts"


def find_expert_policy(env_id: str, root: Path = EXPERTS) -> Path:
    """The shipped expert policy zip of ``env_id``; ``FileNotFoundError`` naming the path otherwise."""
    policy = root / f"{env_id.replace('/', '_')}-ppo.zip"
    if not policy.is_file():
        raise FileNotFoundError(f"no shipped expert policy for {env_id}: {policy} is missing")
    return policy


def find_demos(env_id: str, root: Path = EXPERTS) -> Path:
    """The shipped demo file of ``env_id``."""
    stem = env_id.replace("/", "_")
    exact = root / "demos" / f"{stem}.npz"
    if exact.is_file():
        return exact
    demos = sorted(p for p in root.glob(f"{stem}*.npz") if "obs_norm" not in p.name)
    if not demos:
        raise FileNotFoundError(f"no shipped demo file for {env_id}: {exact} is missing")
    return demos[0]
