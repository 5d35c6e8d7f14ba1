"""Both dialogue discriminators follow the core protocol and learn to tell a
context-matching reply from a mismatched one (what the loop trains them for)."""

from __future__ import annotations

import pytest
import torch

from advrl.core import Discriminator, make_objective
from advrl.dialogue.discriminator import HierarchicalDiscriminator, TransformerDiscriminator

WORDS = 10  # ids 4..13


def batch(n: int, match: bool, gen: torch.Generator) -> dict[str, torch.Tensor]:
    """context ``[7, w, pad...]``, reply ``[w, eos, pad...]`` (human) or another word (machine)."""
    w = torch.randint(WORDS, (n,), generator=gen) + 4
    r = w if match else (w - 4 + torch.randint(1, WORDS, (n,), generator=gen)) % WORDS + 4
    context = torch.zeros(n, 5, dtype=torch.long)
    context[:, 0], context[:, 1] = 7, w
    reply = torch.zeros(n, 4, dtype=torch.long)
    reply[:, 0], reply[:, 1] = r, 3
    return {"context": context, "reply": reply}


@pytest.mark.parametrize("kind", ["hierarchical", "transformer"])
def test_discriminator_learns_context_reply_match(kind):
    torch.manual_seed(0)
    d: Discriminator = (HierarchicalDiscriminator(WORDS + 4, embed_dim=32, hidden=32, dropout=0.0) if kind == "hierarchical"
                        else TransformerDiscriminator(WORDS + 4, max_len=9, hidden=32, layers=1, heads=2))
    objective = make_objective("minimax", reward_name="d")
    opt = torch.optim.Adam(d.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(150):
        loss = objective.discriminator_loss(d(batch(32, True, gen)), d(batch(32, False, gen)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    d.eval()
    with torch.no_grad():
        real, fake = d(batch(200, True, gen)), d(batch(200, False, gen))
    assert real.shape == (200,)
    acc = 0.5 * ((real > 0).float().mean() + (fake < 0).float().mean()).item()
    assert acc > 0.9, acc
    # the objective's reward "d" is the probability the reply is human
    assert torch.allclose(objective.reward(real), torch.sigmoid(real))
    with pytest.raises(ValueError, match="context"):
        d(torch.zeros(2, 3))
