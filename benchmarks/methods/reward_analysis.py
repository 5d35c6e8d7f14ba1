"""How well does a learned reward track the true one? Pearson and Spearman correlations between the
learned and the true reward on transitions from expert, learner and random rollouts — per step and per
episode (summed learned reward vs true return)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


def rollout_transitions(env_id: str, act: Callable[[np.ndarray], Any], episodes: int, seed: int) -> dict:
    """Roll out ``act`` on ``env_id``; per-step arrays (obs, acts, next_obs, dones, true rewards) and the
    episode index of each step; ``dones`` are true terminations (a reward's input), not time-limit cuts."""
    from advrl.gail.experts import rollout

    return reward_inputs(rollout(env_id, act, episodes, seed=seed))


def reward_inputs(demos: Any) -> dict:
    """:class:`advrl.demos.Demonstrations` (with rewards) as :func:`analyse`'s per-step arrays: a reward's inputs
    (``dones``: true terminations, not time-limit cuts), the true rewards and each step's episode index."""
    episode = np.concatenate([[0], np.cumsum(demos.dones[:-1])]).astype(np.int64)
    return {"obs": demos.obs, "acts": demos.acts, "next_obs": demos.next_obs, "dones": demos.terminals & demos.dones,
            "rewards": demos.rewards, "episode": episode}


def _corr(x: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None]:
    """(Pearson, Spearman); None when either side is constant (correlation undefined)."""
    from scipy import stats

    if len(x) < 3 or np.ptp(x) < 1e-12 or np.ptp(y) < 1e-12:
        return None, None
    return float(stats.pearsonr(x, y)[0]), float(stats.spearmanr(x, y)[0])


def analyse(reward_fn: Callable, sources: dict[str, dict], max_points: int = 200, seed: int = 0,
            absorbing_reward: float | None = None, horizon: int | None = None) -> dict[str, Any]:
    """Correlations of ``reward_fn(obs, acts, next_obs, dones)`` with the true reward over all sources,
    and within each source (``within``: Pearson per step), plus small subsamples (per step, per episode)
    for the scatter plot. With ``absorbing_reward`` and
    ``horizon`` (GAIL's virtual absorbing state), an episode of T < horizon steps is credited
    ``(horizon - T) * absorbing_reward`` in its learned return (its true return is unchanged)."""
    rng = np.random.default_rng(seed)
    learned_all, true_all, ep_learned, ep_true = [], [], [], []
    samples, episodes, within = {}, {}, {}
    for name, tr in sources.items():
        learned = np.asarray(reward_fn(tr["obs"], tr["acts"], tr["next_obs"], tr["dones"]), dtype=float)
        within[name] = _corr(np.asarray(tr["rewards"], dtype=float), learned)[0]
        learned_all.append(learned)
        true_all.append(tr["rewards"])
        idx = rng.choice(len(learned), size=min(max_points, len(learned)), replace=False)
        samples[name] = {"true": np.round(tr["rewards"][idx], 4).tolist(), "learned": np.round(learned[idx], 4).tolist()}
        n_ep = int(tr["episode"].max()) + 1
        el = np.bincount(tr["episode"], weights=learned, minlength=n_ep)
        if absorbing_reward is not None and horizon:
            lengths = np.bincount(tr["episode"], minlength=n_ep)
            el = el + np.clip(horizon - lengths, 0, None) * absorbing_reward
        et = np.bincount(tr["episode"], weights=tr["rewards"], minlength=n_ep)
        ep_learned.append(el)
        ep_true.append(et)
        episodes[name] = {"true": np.round(et, 3).tolist(), "learned": np.round(el, 3).tolist()}
    sp, ss = _corr(np.concatenate(true_all), np.concatenate(learned_all))
    epp, eps = _corr(np.concatenate(ep_true), np.concatenate(ep_learned))
    return {"step_pearson": sp, "step_spearman": ss, "episode_pearson": epp, "episode_spearman": eps,
            "n_steps": int(sum(len(x) for x in true_all)), "n_episodes": int(sum(len(x) for x in ep_true)),
            "within": within, "samples": samples, "episodes": episodes}
