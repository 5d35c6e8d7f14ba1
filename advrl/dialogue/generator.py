"""The seq2seq response generator as an :class:`advrl.core.Generator`.

``generate(n)`` samples replies to training contexts (the discriminator's
fakes). ``train_step(critic)`` is one REINFORCE update on the log-probabilities
of the *sampled* tokens with the critic's reward (Li et al. 2017 use D's
probability that the reply is human: ``reward_name="d"``) minus a running-mean
baseline, optionally with per-token rewards from Monte-Carlo rollouts (REGS),
followed by ``teacher_forcing`` maximum-likelihood steps on human replies.
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass, replace
from typing import Any, Iterator

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from advrl.core import Critic, TensorData, UserError, first_line
from advrl.dialogue.batches import encode_pairs, encode_texts, pad_to, trim_padding
from advrl.dialogue.corpora import Pair
from advrl.dialogue.model import check_at_least

DECODES = ("sample", "greedy", "beam")  # how :meth:`Seq2SeqGenerator.respond` picks reply tokens
BASELINES = ("mean", "value")  # REINFORCE baselines


class ValueHead(torch.nn.Module):
    """The learned baseline V(context): an MLP on the mean of the generator's
    encoder states (read without gradient: the value loss never moves the
    generator), trained by squared error towards each reply's mean reward."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(width, width), torch.nn.Tanh(), torch.nn.Linear(width, 1))

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        w = mask.unsqueeze(-1).float()
        return self.net((states * w).sum(1) / w.sum(1).clamp_min(1.0)).squeeze(-1)


@dataclass(frozen=True)
class GeneratorConfig:
    """Sampling and update settings of :class:`Seq2SeqGenerator` (change one with
    ``dataclasses.replace``)."""

    context_len: int = 24  # context tokens kept (the rest is cut)
    reply_len: int = 16  # most reply tokens sampled (incl. [EOS])
    batch_size: int = 32  # contexts per REINFORCE / MLE update
    lr: float = 2e-3  # Adam learning rate (MLE pre-training; the peak of its schedule)
    warmup_steps: int = 100  # MLE steps of linear learning-rate warm-up (then linear decay to 0 at the last step)
    label_smoothing: float = 0.1  # MLE targets smoothed (the reported loss stays the plain NLL)
    encoder_lr_scale: float = 0.1  # encoder layers learn at this × lr: at full lr they erase their input early (the
    # decoder, not yet using the context, treats it as noise) and the model never reads its context again
    denoise: float = 0.0  # share of each MLE pre-training batch given BART's denoising task (masked reply -> reply)
    bf16: bool = False  # MLE forward passes under bfloat16 autocast (weights stay float32; ~1.25x on AVX512 CPUs)
    adv_lr: float = 1e-4  # Adam learning rate of the adversarial phase (start_adversarial_phase)
    temperature: float = 1.0  # sampling temperature of the replies REINFORCE scores and D sees as fakes
    top_k: int = 0  # 0: sample from the full distribution
    top_p: float = 1.0  # nucleus sampling mass (1: the full distribution)
    no_repeat_ngram: int = 3  # greedy / beam replies never repeat an n-gram of this size (0: allowed)
    greedy_fakes: float = 0.0  # share of D's fakes that are greedy replies (the rest sampled): D then also learns
    # what the greedy replies a user sees look like, and REINFORCE's samples are rewarded for not looking like them
    teacher_forcing: int = 1  # MLE steps on human replies after each REINFORCE step
    baseline: str = "mean"  # REINFORCE baseline: mean (running mean) | value (learned per-context value head)
    baseline_momentum: float = 0.95  # running-mean baseline b <- m*b + (1-m)*mean(reward)
    value_lr: float = 1e-3  # Adam learning rate of the value head (baseline "value")
    regs: bool = False  # per-token rewards by Monte-Carlo rollouts of each prefix
    rollouts: int = 3  # completions per prefix when regs
    grad_clip: float = 1.0  # max gradient norm per update (0: no clipping)

    def __post_init__(self) -> None:
        check_at_least(self, 1, "context_len", "reply_len", "batch_size", "rollouts")
        check_at_least(self, 0, "teacher_forcing", "warmup_steps", "no_repeat_ngram")
        if not 0.0 <= self.denoise < 1.0:
            raise UserError(f"denoise = {self.denoise}: must be in [0, 1)")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise UserError(f"label_smoothing = {self.label_smoothing}: must be in [0, 1)")
        if self.baseline not in BASELINES:
            raise UserError(f"baseline {self.baseline!r}: expected one of {', '.join(BASELINES)}")
        if not 0.0 <= self.greedy_fakes <= 1.0:
            raise UserError(f"greedy_fakes = {self.greedy_fakes}: must be in [0, 1]")
        if not self.temperature > 0.0:
            raise UserError(f"temperature = {self.temperature}: must be > 0")
        if not 0.0 < self.top_p <= 1.0:
            raise UserError(f"top_p = {self.top_p}: must be in (0, 1]")


class Seq2SeqGenerator:
    """Wraps a transformers encoder-decoder and its tokenizer.

    Args:
        model: an encoder-decoder (``model.config.is_encoder_decoder``).
        tokenizer: its tokenizer (pad and eos tokens required).
        pairs: human (context, reply) training pairs: contexts to answer in
            ``generate``/``train_step`` and replies for teacher forcing.
        config: sampling and update settings.
        device: where the model runs.
    """

    def __init__(self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, pairs: list[Pair],
                 config: GeneratorConfig | None = None, device: str | torch.device = "cpu") -> None:
        if not getattr(model.config, "is_encoder_decoder", False):
            raise UserError("the dialogue generator needs an encoder-decoder model")
        self.config = config or GeneratorConfig()
        self.device = torch.device(device)
        self.model = model.to(self.device)
        self.tokenizer = tokenizer
        self.pad_id = int(tokenizer.pad_token_id)
        self.eos_id = int(tokenizer.eos_token_id)
        self.human = TensorData(encode_pairs(tokenizer, pairs, self.config.context_len, self.config.reply_len))
        self._fresh_optimizer(self.config.lr)
        suppress = {self.pad_id}
        start = model.config.decoder_start_token_id
        if start is not None and start != self.eos_id:
            suppress.add(int(start))
        self.suppress = sorted(suppress)

    # --------------------------------------------------------------- sampling
    def _mask(self, ids: torch.Tensor) -> torch.Tensor:
        return (ids != self.pad_id).long()

    @torch.no_grad()
    def sample(self, context: torch.Tensor, prefix: torch.Tensor | None = None, greedy: bool = False,
               num_beams: int = 1) -> torch.Tensor:
        """Replies [B, reply_len] to contexts [B, Lc] (ids, no start token),
        continuing ``prefix`` [B, t] reply tokens when given."""
        cfg = self.config
        context = context.to(self.device)
        was_training = self.model.training
        self.model.eval()
        kwargs: dict[str, Any] = dict(
            input_ids=context, attention_mask=self._mask(context), max_new_tokens=cfg.reply_len,
            pad_token_id=self.pad_id, eos_token_id=self.eos_id, suppress_tokens=self.suppress,
        )
        if greedy or num_beams > 1:
            kwargs.update(do_sample=False, num_beams=num_beams, no_repeat_ngram_size=cfg.no_repeat_ngram)
        else:
            kwargs.update(do_sample=True, temperature=cfg.temperature, top_k=cfg.top_k, top_p=cfg.top_p)
        start = torch.full((context.shape[0], 1), self.model.config.decoder_start_token_id, device=self.device)
        if prefix is not None:
            kwargs["decoder_input_ids"] = torch.cat([start, prefix.to(self.device)], dim=1)
            kwargs["max_new_tokens"] = max(1, cfg.reply_len - prefix.shape[1])
        out = self.model.generate(**kwargs)
        if was_training:
            self.model.train()
        return pad_to(out[:, 1:], cfg.reply_len, self.pad_id)

    def _contexts(self, n: int) -> torch.Tensor:
        return self.human.sample(n)["context"]

    def generate(self, n: int) -> dict[str, torch.Tensor]:
        """``n`` replies to training contexts (fakes for a D step): sampled, the
        first ``round(n · greedy_fakes)`` of them greedy."""
        context = self._contexts(n).to(self.device)
        k = round(n * self.config.greedy_fakes)
        parts = ([self.sample(context[:k], greedy=True)] if k else []) + ([self.sample(context[k:])] if k < n else [])
        return {"context": context, "reply": torch.cat(parts)}

    def valid_mask(self, reply: torch.Tensor) -> torch.Tensor:
        """True for the tokens of each reply up to and including its first [EOS]."""
        is_eos = (reply == self.eos_id).long()
        after_eos = (is_eos.cumsum(1) - is_eos) > 0
        return (reply != self.pad_id) & ~after_eos

    def token_log_probs(self, context: torch.Tensor, reply: torch.Tensor,
                        temperature: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
        """log p(y_t | y_<t, context) of the given (sampled) tokens [B, Lr] by a
        teacher-forced forward pass over ``reply`` (under the distribution
        sharpened by ``temperature``), and the valid-token mask."""
        context, reply = context.to(self.device), reply.to(self.device)
        valid = self.valid_mask(reply)
        logits = self._logits(context, reply.masked_fill(~valid, -100)).float()
        logp = torch.log_softmax(logits / temperature if temperature != 1.0 else logits, dim=-1)
        token_logp = logp.gather(-1, reply.clamp_min(0).unsqueeze(-1)).squeeze(-1)
        return token_logp * valid, valid

    def _logits(self, context: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Next-token logits [B, Lr, V] for ``labels`` (ignored positions -100)
        given ``context``: the decoder reads the labels shifted right, as with
        ``labels=`` but without the model computing a loss nobody reads."""
        decoder_ids = self.model.prepare_decoder_input_ids_from_labels(labels=labels)
        return self.model(input_ids=context, attention_mask=self._mask(context),
                          decoder_input_ids=decoder_ids).logits

    @torch.no_grad()
    def sequence_log_prob(self, context: torch.Tensor, reply: torch.Tensor) -> torch.Tensor:
        """log p(reply | context) per sample (eval mode)."""
        was_training = self.model.training
        self.model.eval()
        logp, _ = self.token_log_probs(context, reply)
        if was_training:
            self.model.train()
        return logp.sum(1)

    # ---------------------------------------------------------------- updates
    def _param_groups(self, lr: float) -> list[dict[str, Any]]:
        """The encoder's layers at ``encoder_lr_scale`` × ``lr``, the rest at ``lr``."""
        scale = self.config.encoder_lr_scale
        encoder = self.model.get_encoder()
        layers = getattr(encoder, "layers", None) or getattr(encoder, "block", None)
        slow = {id(p) for p in layers.parameters()} if layers is not None and scale != 1.0 else set()
        groups = [{"params": [p for p in self.model.parameters() if id(p) not in slow], "lr": lr, "scale": 1.0}]
        if slow:
            groups.append({"params": [p for p in self.model.parameters() if id(p) in slow], "lr": lr * scale,
                           "scale": scale})
        return groups

    def _fresh_optimizer(self, lr: float) -> None:
        self.optimizer = torch.optim.Adam(self._param_groups(lr), lr=lr)
        self.baseline = torch.zeros(())
        self.baseline_ready = False
        self.value = None
        if self.config.baseline == "value":
            self.value = ValueHead(int(self.model.config.d_model)).to(self.device)
            self.value_optimizer = torch.optim.Adam(self.value.parameters(), lr=self.config.value_lr)

    @torch.no_grad()
    def _encoder_states(self, context: torch.Tensor) -> torch.Tensor:
        was = self.model.training
        self.model.eval()
        states = self.model.get_encoder()(input_ids=context, attention_mask=self._mask(context)).last_hidden_state
        self.model.train(was)
        return states.float()

    def _value_baseline(self, context: torch.Tensor, seq_reward: torch.Tensor) -> tuple[torch.Tensor, float]:
        """V(context) before this step's update [B] (the baseline used), and the
        value head's squared error, after one update towards ``seq_reward``."""
        states, mask = self._encoder_states(context), self._mask(context)
        predicted = self.value(states, mask)
        loss = torch.nn.functional.mse_loss(predicted, seq_reward.to(predicted.device))
        self.value_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.value_optimizer.step()
        return predicted.detach(), loss.item()

    def set_learning_rate(self, lr: float) -> None:
        """Set the optimiser's learning rate (its moment estimates are kept; the
        encoder's layers at ``encoder_lr_scale`` × ``lr``)."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr * group.get("scale", 1.0)

    def start_adversarial_phase(self) -> None:
        """Begin the REINFORCE phase: a fresh Adam at ``config.adv_lr`` and a fresh
        reward baseline, so the phase starts the same whether the MLE model was
        trained in this process or loaded from disk."""
        self._fresh_optimizer(self.config.adv_lr)

    def fork(self, config: GeneratorConfig | None = None) -> "Seq2SeqGenerator":
        """An independent generator with a copy of this one's weights, the same
        tokenizer and human pairs, and a fresh optimiser and baseline: systems that
        start from one pre-trained model (``config`` may change update settings,
        not the context/reply widths the human pairs were encoded with)."""
        config = config or self.config
        if (config.context_len, config.reply_len) != (self.config.context_len, self.config.reply_len):
            raise UserError("a forked generator keeps context_len and reply_len")
        twin = copy.copy(self)
        twin.config, twin.model = config, copy.deepcopy(self.model)
        twin._fresh_optimizer(config.lr)
        return twin

    def _step(self, loss: torch.Tensor) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.config.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
        self.optimizer.step()

    def mle_step(self, batch: dict[str, torch.Tensor] | None = None) -> float:
        """One maximum-likelihood (teacher forcing) step on human pairs, with
        ``label_smoothing``; returns the batch's plain mean NLL per token."""
        batch = batch if batch is not None else self.human.sample(self.config.batch_size)
        batch = trim_padding(batch, self.pad_id)
        self.model.train()
        context, reply = batch["context"].to(self.device), batch["reply"].to(self.device)
        labels = reply.masked_fill(~self.valid_mask(reply), -100)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.config.bf16):
            logits = self._logits(context, labels)
        logp, targets = torch.log_softmax(logits.float().flatten(0, 1), dim=-1), labels.flatten()
        keep = targets != -100
        nll = -logp[keep].gather(-1, targets[keep].unsqueeze(-1)).mean()
        eps = self.config.label_smoothing  # cross_entropy's label smoothing, from the same log-softmax
        loss = (1 - eps) * nll - eps * logp[keep].mean() if eps else nll
        self._step(loss)
        return nll.item()

    @torch.no_grad()
    def token_rewards(self, critic: Critic, context: torch.Tensor, reply: torch.Tensor) -> torch.Tensor:
        """Per-token rewards [B, Lr]: the whole reply's reward on every token, or
        with ``regs`` the mean reward of ``rollouts`` sampled completions of each
        prefix y_1..y_t (the full reply's reward at its last token)."""
        full = critic.reward({"context": context, "reply": reply}).float().to(self.device)
        valid = self.valid_mask(reply)
        rewards = full.unsqueeze(1).expand_as(reply).clone()
        if not self.config.regs:
            return rewards * valid
        lengths = valid.sum(1)
        r = self.config.rollouts
        ctx_rep = context.repeat_interleave(r, dim=0)
        for t in range(1, int(lengths.max().item())):
            rows = lengths > t  # prefix y_1..y_t is unfinished for these rows
            if not rows.any():
                break
            prefix = reply[:, :t].repeat_interleave(r, dim=0)
            completed = self.sample(ctx_rep, prefix=prefix)
            q = critic.reward({"context": ctx_rep, "reply": completed}).float().view(-1, r).mean(1)
            rewards[rows, t - 1] = q[rows]
        return rewards * valid

    def train_step(self, critic: Critic) -> dict[str, float]:
        """REINFORCE on sampled tokens with reward − running-mean baseline, then
        ``teacher_forcing`` MLE steps on human replies."""
        cfg = self.config
        context = self._contexts(cfg.batch_size).to(self.device)
        reply = self.sample(context)
        rewards = self.token_rewards(critic, context, reply)
        valid = self.valid_mask(reply)
        seq_reward = (rewards * valid).sum(1) / valid.sum(1).clamp_min(1)
        mean_reward = seq_reward.mean().cpu()
        if not self.baseline_ready:
            self.baseline, self.baseline_ready = mean_reward.clone(), True
            if self.value is not None:  # the value head starts at the first batch's mean reward
                torch.nn.init.zeros_(self.value.net[-1].weight)
                self.value.net[-1].bias.data.fill_(mean_reward.item())
        extra = {}
        if self.value is not None:  # a learned, per-context baseline
            base, extra["value_loss"] = self._value_baseline(context, seq_reward)
            advantage = (rewards - base.unsqueeze(1)) * valid
        else:
            advantage = (rewards - self.baseline.to(self.device)) * valid
        self.model.train()
        token_logp, _ = self.token_log_probs(context, reply, cfg.temperature)  # the policy that sampled them
        pg_loss = -(advantage.detach() * token_logp).sum() / valid.sum().clamp_min(1)
        self._step(pg_loss)
        m = cfg.baseline_momentum
        self.baseline = m * self.baseline + (1 - m) * mean_reward
        metrics = {"reward": mean_reward.item(), "baseline": self.baseline.item(), "pg_loss": pg_loss.item(),
                   "logp_token": (token_logp.sum() / valid.sum().clamp_min(1)).item(),
                   "reply_len": valid.sum(1).float().mean().item(),
                   "advantage_std": (advantage.sum(1) / valid.sum(1).clamp_min(1)).std().item(), **extra}
        if cfg.teacher_forcing:
            metrics["mle_loss"] = sum(self.mle_step() for _ in range(cfg.teacher_forcing)) / cfg.teacher_forcing
        return metrics

    # ------------------------------------------------------------ inference
    @torch.no_grad()
    def respond(self, contexts: list[str], decode: str = "sample", num_beams: int = 4, chunk: int = 128) -> list[str]:
        """Reply texts to context texts (``decode``: sample | greedy | beam)."""
        if decode not in DECODES:
            raise UserError(f"decode {decode!r}: expected one of {', '.join(DECODES)}")
        out: list[str] = []
        for i in range(0, len(contexts), chunk):
            ids = encode_texts(self.tokenizer, contexts[i:i + chunk], self.config.context_len, eos=False,
                               keep_end=True)
            replies = self.sample(ids, greedy=decode == "greedy", num_beams=num_beams if decode == "beam" else 1)
            out.extend(self.decode(replies))
        return out

    @contextlib.contextmanager
    def configured(self, **changes: Any) -> Iterator["Seq2SeqGenerator"]:
        """This generator with ``config`` fields changed (e.g. ``temperature``)
        inside the ``with`` block, restored after it."""
        saved = self.config
        self.config = replace(saved, **changes)
        try:
            yield self
        finally:
            self.config = saved

    def decode(self, reply: torch.Tensor) -> list[str]:
        """Reply ids → texts (special tokens dropped)."""
        return [t.strip() for t in self.tokenizer.batch_decode(reply.cpu(), skip_special_tokens=True)]

    # ----------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Model, optimiser and baseline (what a resumed run needs)."""
        state = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                 "baseline": self.baseline.clone(), "baseline_ready": self.baseline_ready}
        if self.value is not None:
            state["value"] = {"net": self.value.state_dict(), "optimizer": self.value_optimizer.state_dict()}
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`; :class:`UserError` when it is another model's."""
        try:
            self.model.load_state_dict(state["model"])
        except RuntimeError as exc:
            raise UserError(f"checkpoint does not fit this model (were the size flags changed?): "
                             f"{first_line(exc)}") from exc
        self.optimizer.load_state_dict(state["optimizer"])
        self.baseline = state["baseline"].clone().cpu()
        self.baseline_ready = bool(state["baseline_ready"])
        if self.value is not None and "value" in state:
            self.value.load_state_dict(state["value"]["net"])
            self.value_optimizer.load_state_dict(state["value"]["optimizer"])


__all__ = ["BASELINES", "DECODES", "GeneratorConfig", "Seq2SeqGenerator", "ValueHead"]
