"""A hand-designed reward in the spirit of Li et al. (2016): favour longer,
non-repetitive replies. Duck-types the part of :class:`advrl.core.Critic` that
:meth:`Seq2SeqGenerator.train_step` uses (``reward``), so the same REINFORCE
code runs without a discriminator (the "MLE + hand-designed reward" baseline)."""

from __future__ import annotations

import torch


class HeuristicReward:
    """reward = min(len, target)/target × (distinct tokens / tokens) − dull_penalty·[reply seen in ``dull``].

    Args:
        pad_id, eos_id: the tokenizer's special ids.
        target_len: length (tokens, without [EOS]) at which the length bonus saturates.
        dull: id sequences (without [EOS]) of dull replies to penalise ("i don't know").
        dull_penalty: subtracted for a dull reply.
    """

    discriminator = None
    objective = None

    def __init__(self, pad_id: int, eos_id: int, target_len: int = 8, dull: list[list[int]] | None = None,
                 dull_penalty: float = 0.5, device: str | torch.device = "cpu") -> None:
        self.pad_id, self.eos_id, self.target_len = pad_id, eos_id, target_len
        self.dull = {tuple(d) for d in (dull or [])}
        self.dull_penalty = dull_penalty
        self.device = torch.device(device)

    @torch.no_grad()
    def reward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        out = []
        for row in batch["reply"].tolist():
            toks = []
            for t in row:
                if t in (self.eos_id, self.pad_id):
                    break
                toks.append(t)
            if not toks:
                out.append(0.0)
                continue
            r = min(len(toks), self.target_len) / self.target_len * len(set(toks)) / len(toks)
            if tuple(toks) in self.dull:
                r -= self.dull_penalty
            out.append(r)
        return torch.tensor(out, device=batch["reply"].device)


__all__ = ["HeuristicReward"]
