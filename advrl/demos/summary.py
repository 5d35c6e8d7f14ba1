"""A plain-data summary of demonstrations (what ``advrl demos inspect`` prints)."""

from __future__ import annotations

from typing import Any

import numpy as np

from advrl.demos.dataset import Demonstrations


def _stats(values: np.ndarray) -> dict[str, float]:
    values = np.asarray(values, dtype=np.float64)
    return {"mean": float(values.mean()), "std": float(values.std()), "min": float(values.min()),
            "max": float(values.max())}


def infer_spaces(demos: Demonstrations) -> dict[str, str]:
    """Human-readable observation/action spaces as the data suggest them."""
    obs = np.asarray(demos.obs)
    acts = np.asarray(demos.acts)
    out = {"obs": f"Box(shape={obs.shape[1:]}, dtype={obs.dtype}, observed range [{obs.min():.3g}, {obs.max():.3g}])"}
    if acts.ndim == 1 and (np.issubdtype(acts.dtype, np.integer) or acts.dtype == bool):
        lo, hi = int(acts.min()), int(acts.max())
        out["acts"] = f"Discrete(n>={hi + 1}) (integers {lo}..{hi}, dtype={acts.dtype})"
    else:
        out["acts"] = (f"Box(shape={acts.shape[1:]}, dtype={acts.dtype}, observed range "
                       f"[{acts.min():.3g}, {acts.max():.3g}])")
    return out


def summarize(demos: Demonstrations) -> dict[str, Any]:
    """Format, episode/step counts, length and return statistics, spaces, skipped fields."""
    meta = demos.metadata
    lengths = demos.episode_lengths
    returns = demos.episode_returns
    summary: dict[str, Any] = {
        "format": meta.get("format"),
        "source": meta.get("source"),
        "env_id": meta.get("env_id"),
        "episodes": demos.n_episodes,
        "steps": demos.n_steps,
        "lengths": _stats(lengths),
        "returns": _stats(returns) if returns is not None and len(returns) else None,
        "spaces": infer_spaces(demos),
        "terminations": int(np.sum(demos.terminals)),
        "terminals_known": bool(meta.get("terminals_known", True)),
        "truncations_or_unknown": int(np.sum(demos.dones & ~demos.terminals)),
        "final_obs_missing": int(np.sum(demos.next_obs_missing)),
        "skipped": list(meta.get("skipped", [])),
        "notes": list(meta.get("notes", [])),
    }
    if "stored_episode_returns" in meta:
        stored = np.asarray(meta["stored_episode_returns"], dtype=np.float64)
        summary["stored_returns"] = {
            "field": meta.get("stored_returns_field"),
            "match": meta.get("stored_returns_match"),
            "max_abs_diff": meta.get("stored_returns_max_abs_diff"),
            "mean": float(stored.mean()) if len(stored) else float("nan"),
            "note": meta.get("stored_returns_note"),
        }
    return summary
