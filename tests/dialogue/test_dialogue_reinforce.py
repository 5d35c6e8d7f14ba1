"""REINFORCE on the sampled tokens' log-probabilities: with a FIXED
discriminator, repeated generator updates raise the probability of the replies
the discriminator scores high (and lower the others)."""

from __future__ import annotations

import copy
import dataclasses

import pytest
import torch

from advrl.core import Critic, Discriminator, UserError, make_objective, seed_everything
from advrl.dialogue.batches import encode_texts
from advrl.dialogue.generator import GeneratorConfig, Seq2SeqGenerator
from advrl.dialogue.heuristic import HeuristicReward
from advrl.dialogue.model import ModelConfig, build_model
from advrl.dialogue.tokenizer import train_tokenizer

CONTEXTS = ["hello", "hi there", "good morning", "how are you", "what now", "tell me"]
REPLIES = ["yes", "no", "maybe"]


class FirstTokenDiscriminator(Discriminator):
    """Fixed: logit +4 when the reply starts with ``token``, else -4."""

    def __init__(self, token: int) -> None:
        super().__init__()
        self.token = token

    def head(self, batch):
        return torch.where(batch["reply"][:, 0] == self.token, 4.0, -4.0)


_CACHE: dict[int, dict] = {}


class ExactReplyDiscriminator(Discriminator):
    """Fixed: logit +4 for exactly the reply ``token [EOS]``, else -4."""

    def __init__(self, token: int, eos: int) -> None:
        super().__init__()
        self.token, self.eos = token, eos

    def head(self, batch):
        hit = (batch["reply"][:, 0] == self.token) & (batch["reply"][:, 1] == self.eos)
        return torch.where(hit, 4.0, -4.0)


def toy_generator(seed: int = 0) -> Seq2SeqGenerator:
    """A tiny BART MLE-trained so that each of yes/no/maybe is about 1/3 likely
    (trained once per seed, then copied)."""
    seed_everything(seed)
    pairs = [(c, r) for c in CONTEXTS for r in REPLIES]
    tok = train_tokenizer([t for p in pairs for t in p] + ["hey you"], vocab_size=60)
    model = build_model(tok, ModelConfig(d_model=32, layers=1, heads=2, ffn_dim=64, dropout=0.0))
    cfg = GeneratorConfig(context_len=6, reply_len=4, batch_size=48, lr=3e-3, adv_lr=3e-3, teacher_forcing=0)
    gen = Seq2SeqGenerator(model, tok, pairs, cfg)
    if seed not in _CACHE:
        for _ in range(60):
            gen.mle_step()
        _CACHE[seed] = copy.deepcopy(gen.state_dict())
    gen.load_state_dict(copy.deepcopy(_CACHE[seed]))
    seed_everything(seed + 1)  # same RNG stream whether or not the cache was hit
    return gen


def reply_probs(gen: Seq2SeqGenerator, context: str) -> dict[str, float]:
    ctx = encode_texts(gen.tokenizer, [context] * len(REPLIES), gen.config.context_len, eos=False)
    rep = encode_texts(gen.tokenizer, REPLIES, gen.config.reply_len, eos=True)
    return dict(zip(REPLIES, gen.sequence_log_prob(ctx, rep).exp().tolist()))


def test_token_log_probs_are_those_of_the_sampled_tokens():
    gen = toy_generator()
    ctx = gen.generate(8)["context"]
    reply = gen.sample(ctx)
    gen.model.eval()
    logp, valid = gen.token_log_probs(ctx, reply)
    # same numbers as transformers' own cross-entropy with labels = the sampled ids
    labels = reply.masked_fill(~valid, -100)
    loss = gen.model(input_ids=ctx, attention_mask=(ctx != 0).long(), labels=labels).loss
    assert torch.allclose(-logp.sum() / valid.sum(), loss, atol=1e-5)
    # masked after the first [EOS]; every reply has one (length <= reply_len)
    assert ((reply == gen.eos_id) & valid).sum(1).le(1).all()
    assert (logp[~valid] == 0).all()


def test_tempered_log_probs_are_those_of_the_tempered_sampler():
    """REINFORCE at temperature t differentiates the distribution that sampled the
    replies: the first tokens' frequencies match exp(token_log_probs(..., t))."""
    gen = toy_generator()
    gen.config = dataclasses.replace(gen.config, temperature=0.4)
    ctx = encode_texts(gen.tokenizer, ["hey you"] * 3000, gen.config.context_len, eos=False)
    torch.manual_seed(3)
    first = gen.sample(ctx)[:, 0]
    rep = encode_texts(gen.tokenizer, REPLIES, gen.config.reply_len, eos=True)
    gen.model.eval()
    with torch.no_grad():
        tempered, _ = gen.token_log_probs(ctx[:3], rep, temperature=0.4)
        plain, _ = gen.token_log_probs(ctx[:3], rep)
    for i in range(len(REPLIES)):
        freq = (first == rep[i, 0]).float().mean().item()
        assert abs(freq - tempered[i, 0].exp().item()) < 0.03, (REPLIES[i], freq, tempered[i, 0].exp().item())
    # and the sharpening is real: the likeliest first token is likelier than at temperature 1
    top = tempered[:, 0].argmax()
    assert tempered[top, 0] > plain[top, 0] + 0.05


def test_greedy_fakes_put_the_greedy_replies_among_the_discriminators_fakes():
    gen = toy_generator()
    gen.config = dataclasses.replace(gen.config, greedy_fakes=0.25, temperature=2.0)
    torch.manual_seed(5)
    fakes = gen.generate(40)
    greedy = gen.sample(fakes["context"], greedy=True)
    same = (fakes["reply"] == greedy).all(1)
    assert same[:10].all()  # the first quarter: greedy
    assert not same[10:].all()  # the rest: samples at temperature 2, which often differ
    with pytest.raises(UserError, match="greedy_fakes"):
        GeneratorConfig(greedy_fakes=1.5)


@pytest.mark.parametrize("target", ["yes", "no"])
def test_reinforce_with_fixed_discriminator_raises_preferred_reply(target):
    gen = toy_generator()
    token = gen.tokenizer(target, add_special_tokens=False)["input_ids"][0]
    critic = Critic(ExactReplyDiscriminator(token, gen.eos_id), make_objective("minimax", reward_name="d"),
                    torch.device("cpu"))
    before = reply_probs(gen, "hey you")  # held-out context
    assert 0.15 < before[target] < 0.6, before
    rewards = [gen.train_step(critic)["reward"] for _ in range(25)]
    after = reply_probs(gen, "hey you")
    assert after[target] > 0.8 and after[target] > before[target] + 0.3, (before, after)
    for other in REPLIES:
        if other != target:
            assert after[other] < before[other], (other, before, after)
    assert sum(rewards[-5:]) / 5 > sum(rewards[:5]) / 5 + 0.2


def test_regs_per_token_rewards_average_rollouts():
    base = toy_generator()
    gen = base.fork(dataclasses.replace(base.config, regs=True, rollouts=4))
    token = gen.tokenizer("yes", add_special_tokens=False)["input_ids"][0]
    critic = Critic(FirstTokenDiscriminator(token), make_objective("minimax", reward_name="d"), torch.device("cpu"))
    ctx = encode_texts(gen.tokenizer, ["hello"] * 3, 6, eos=False)
    reply = encode_texts(gen.tokenizer, ["yes", "no", "yes no maybe"], 4, eos=True)
    r = gen.token_rewards(critic, ctx, reply)
    d_hi, d_lo = torch.sigmoid(torch.tensor(4.0)).item(), torch.sigmoid(torch.tensor(-4.0)).item()
    # once the first token is fixed every completion gets the same D score
    assert r[0, :2].tolist() == pytest.approx([d_hi, d_hi])  # "yes" then [EOS] (full reward)
    assert r[1, :2].tolist() == pytest.approx([d_lo, d_lo])
    assert r[2, :4].tolist() == pytest.approx([d_hi] * 4)
    assert r[0, 2:].abs().sum() == 0  # nothing after [EOS]


def test_heuristic_reward_prefers_long_distinct_non_dull_replies():
    h = HeuristicReward(pad_id=0, eos_id=3, target_len=4, dull=[[7, 8]])
    reply = torch.tensor([[5, 3, 0, 0, 0], [5, 6, 9, 10, 3], [5, 5, 5, 5, 3], [7, 8, 3, 0, 0]])
    r = h.reward({"context": torch.zeros(4, 2, dtype=torch.long), "reply": reply}).tolist()
    assert r == pytest.approx([0.25, 1.0, 0.25, 0.5 - 0.5])


class ContextOnlyDiscriminator(Discriminator):
    """Fixed: logit +4 when the context starts with ``token``, else -4 — the
    reply cannot change it, so the best baseline is the context's value."""

    def __init__(self, token: int) -> None:
        super().__init__()
        self.token = token

    def head(self, batch):
        return torch.where(batch["context"][:, 0] == self.token, 4.0, -4.0)


def test_value_baseline_learns_the_context_value_and_removes_its_variance():
    base = toy_generator()
    token = base.tokenizer("hello", add_special_tokens=False)["input_ids"][0]
    critic = Critic(ContextOnlyDiscriminator(token), make_objective("minimax", reward_name="d"), torch.device("cpu"))
    spread = {}
    for kind in ("mean", "value"):
        gen = base.fork(dataclasses.replace(base.config, baseline=kind, adv_lr=0.0, value_lr=1e-2))
        gen.start_adversarial_phase()
        rows = [gen.train_step(critic) for _ in range(150)]
        spread[kind] = sum(r["advantage_std"] for r in rows[-20:]) / 20
    assert spread["mean"] > 0.25 and spread["value"] < 0.1, spread  # rewards are 0.02 / 0.98 by context


def test_value_baseline_still_raises_the_preferred_reply():
    base = toy_generator()
    gen = base.fork(dataclasses.replace(base.config, baseline="value"))
    token = gen.tokenizer("yes", add_special_tokens=False)["input_ids"][0]
    critic = Critic(ExactReplyDiscriminator(token, gen.eos_id), make_objective("minimax", reward_name="d"),
                    torch.device("cpu"))
    gen.start_adversarial_phase()
    before = reply_probs(gen, "hey you")["yes"]
    for _ in range(25):
        gen.train_step(critic)
    assert reply_probs(gen, "hey you")["yes"] > before + 0.3
    state = gen.state_dict()  # the value head resumes with the generator
    twin = base.fork(dataclasses.replace(base.config, baseline="value"))
    twin.load_state_dict(state)
    for p, q in zip(gen.value.parameters(), twin.value.parameters()):
        assert torch.equal(p, q)


def test_configured_changes_settings_inside_the_block_only():
    gen = toy_generator()
    before = gen.config
    with pytest.raises(RuntimeError):
        with gen.configured(temperature=2.0, top_p=0.5):
            assert (gen.config.temperature, gen.config.top_p) == (2.0, 0.5)
            raise RuntimeError("inside")
    assert gen.config is before
    with pytest.raises(UserError, match="top_p"):
        with gen.configured(top_p=0.0):
            pass
    assert gen.config is before
