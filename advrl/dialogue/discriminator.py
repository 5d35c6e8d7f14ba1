"""Dialogue discriminators behind the core protocol: Li et al.'s hierarchical
encoder and a small transformers encoder classifier.

A GRU utterance encoder turns the context and the reply into one vector each; a
GRU context encoder reads the two vectors in order; a linear layer gives the
logit that the reply is human. Batches are ``{"context", "reply"}`` id tensors
(padding id ``pad_id``).

Both follow the core split ``forward = head(embed(batch))`` with a *dict*
:data:`~advrl.core.Embedding`: ``embed`` checks the batch and arranges its token
ids (and masks) as the network reads them, ``head`` runs the network to one logit
per pair. Token ids are discrete, so there is nothing to interpolate: the
gradient penalty (``wgan-gp``) does not apply, and the core's
:func:`~advrl.core.gradient_penalty` says so as a :class:`~advrl.core.UserError`
(use the ``minimax``, ``ns`` or ``wgan`` objectives).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from advrl.core import Batch, Discriminator
from advrl.dialogue.batches import trim_padding


def _pair(batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """The (context, reply) id tensors of a dialogue batch."""
    if not isinstance(batch, dict) or "context" not in batch or "reply" not in batch:
        raise ValueError("the dialogue discriminator scores {'context', 'reply'} id batches")
    return batch["context"], batch["reply"]


class HierarchicalDiscriminator(Discriminator):
    """Utterance GRU → context GRU → human/machine logit."""

    def __init__(self, vocab_size: int, embed_dim: int = 64, hidden: int = 64, pad_id: int = 0,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.pad_id = pad_id
        self.hparams = {"vocab_size": vocab_size, "embed_dim": embed_dim, "hidden": hidden, "pad_id": pad_id,
                        "dropout": dropout}
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        self.utterance = nn.GRU(embed_dim, hidden, batch_first=True, bidirectional=True)
        self.dialogue = nn.GRU(2 * hidden, hidden, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, 1)

    def encode_utterance(self, ids: torch.Tensor) -> torch.Tensor:
        """[B, L] ids → [B, 2*hidden] (final forward and backward states)."""
        lengths = (ids != self.pad_id).sum(1).clamp_min(1).cpu()
        emb = self.dropout(self.embedding(ids))
        packed = pack_padded_sequence(emb, lengths, batch_first=True, enforce_sorted=False)
        _, h = self.utterance(packed)  # [2, B, hidden]
        return torch.cat([h[0], h[1]], dim=-1)

    def embed(self, batch: Batch) -> dict[str, torch.Tensor]:
        """The two turns in dialogue order: ``{"context": ids[B, Lc], "reply": ids[B, Lr]}``."""
        context, reply = _pair(batch)
        return {"context": context, "reply": reply}

    def head(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        """Each turn → one vector (utterance GRU); the turns in order → the logit (context GRU)."""
        turns = torch.stack([self.encode_utterance(x["context"]), self.encode_utterance(x["reply"])], dim=1)
        _, h = self.dialogue(self.dropout(turns))
        return self.out(h[-1]).squeeze(-1)


class TransformerDiscriminator(Discriminator):
    """A small transformers encoder (BERT config, trained from scratch) over
    ``context [SEP] reply`` with segment ids; the first position's state gives
    the logit. ``sep_id`` separates the two (the tokenizer's [EOS])."""

    def __init__(self, vocab_size: int, max_len: int, pad_id: int = 0, sep_id: int = 3, hidden: int = 64,
                 layers: int = 2, heads: int = 4) -> None:
        super().__init__()
        from transformers import BertConfig, BertModel

        self.pad_id, self.sep_id = pad_id, sep_id
        config = BertConfig(vocab_size=vocab_size, hidden_size=hidden, num_hidden_layers=layers,
                            num_attention_heads=heads, intermediate_size=2 * hidden,
                            max_position_embeddings=max_len + 2, pad_token_id=pad_id, type_vocab_size=2)
        self.encoder = BertModel(config, add_pooling_layer=False)
        self.out = nn.Linear(hidden, 1)

    def embed(self, batch: Batch) -> dict[str, torch.Tensor]:
        """``[SEP] context [SEP] reply`` as the encoder's ``input_ids``, ``attention_mask``
        and ``token_type_ids`` (segment 0: context, 1: reply)."""
        context, reply = _pair(batch)
        sep = torch.full((context.shape[0], 1), self.sep_id, dtype=context.dtype, device=context.device)
        ids = torch.cat([sep, context, sep, reply], dim=1)  # position 0 plays [CLS]
        segments = torch.cat([torch.zeros_like(context[:, :1]), torch.zeros_like(context), torch.ones_like(sep),
                              torch.ones_like(reply)], dim=1)
        return {"input_ids": ids, "attention_mask": (ids != self.pad_id).long(), "token_type_ids": segments}

    def head(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        """The encoder's state at position 0 → the logit."""
        return self.out(self.encoder(**x).last_hidden_state[:, 0]).squeeze(-1)


class Seq2SeqDiscriminator(Discriminator):
    """A copy of a (pre-trained) encoder-decoder read as a classifier: the
    encoder reads the context, the decoder reads ``[start] reply`` with
    cross-attention to it; the logit comes from the mean and the last of the
    decoder's states over the reply's tokens and from the copy's own language
    model: the reply's mean token log-probability given its context, given an
    empty context, their difference (the pointwise mutual information of reply
    and context, which tells a reply to another context), its least likely
    token, its length and its summed log-probabilities with and without the
    context (:meth:`features`; :meth:`fit_head` fits the logit's linear layer
    on them with the rest frozen: a linear probe). Initialised from the MLE generator, it starts out knowing the
    corpus's language and what a reply to a context looks like, where a
    discriminator trained from scratch on a few thousand pairs barely tells a
    reply from a shuffled one."""

    FEATURES = 7  # log-probability and length features beside the 2 * d_model state features

    def __init__(self, model: nn.Module, pad_id: int, start_id: int, empty_id: int) -> None:
        super().__init__()
        self.seq2seq, self.pad_id, self.start_id, self.empty_id = model, pad_id, start_id, empty_id
        self.out = nn.Linear(2 * model.config.d_model + self.FEATURES, 1)

    @classmethod
    def from_generator(cls, generator) -> "Seq2SeqDiscriminator":
        """A discriminator over a deep copy of ``generator``'s model (its own weights from then on)."""
        import copy

        model = copy.deepcopy(generator.model).float()
        return cls(model, generator.pad_id, int(model.config.decoder_start_token_id), generator.eos_id)

    def embed(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Encoder ids and mask of the context; decoder ids ``[start] reply`` and the reply's mask."""
        context, reply = _pair(batch)
        start = torch.full((reply.shape[0], 1), self.start_id, dtype=reply.dtype, device=reply.device)
        return {"input_ids": context, "attention_mask": (context != self.pad_id).long(),
                "decoder_input_ids": torch.cat([start, reply], dim=1), "reply_mask": (reply != self.pad_id).long()}

    def _decode(self, ids: torch.Tensor, mask: torch.Tensor, x: dict[str, torch.Tensor]
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Decoder states at the reply's tokens given context ``ids`` [B, L, d], and
        the log-probability of each reply token [B, Lr] under the copy's LM head."""
        enc = self.seq2seq.get_encoder()(input_ids=ids, attention_mask=mask).last_hidden_state
        reply_mask = x["reply_mask"]
        dec_mask = torch.cat([torch.ones_like(reply_mask[:, :1]), reply_mask], dim=1)
        states = self.seq2seq.get_decoder()(input_ids=x["decoder_input_ids"], attention_mask=dec_mask,
                                            encoder_hidden_states=enc, encoder_attention_mask=mask
                                            ).last_hidden_state
        logits = self.seq2seq.get_output_embeddings()(states[:, :-1])
        bias = getattr(self.seq2seq, "final_logits_bias", None)
        if bias is not None:
            logits = logits + bias
        target = x["decoder_input_ids"][:, 1:]
        logp = torch.log_softmax(logits.float(), -1).gather(-1, target.unsqueeze(-1)).squeeze(-1)
        return states[:, 1:], logp

    def features(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        """[B, 2 d_model + 7]: the decoder states' mean ⊕ last over the reply, then
        its mean token log-probability given the context and given an empty
        context, their difference, its least likely token, its length, and its
        summed log-probabilities with and without the context."""
        states, logp = self._decode(x["input_ids"], x["attention_mask"], x)
        empty = torch.full_like(x["input_ids"][:, :1], self.empty_id)
        _, logp_empty = self._decode(empty, torch.ones_like(empty), x)
        reply_mask = x["reply_mask"]
        w = reply_mask.float()
        n = w.sum(1).clamp_min(1.0)
        mean = (states * w.unsqueeze(-1)).sum(1) / n.unsqueeze(-1)
        last = states[torch.arange(states.shape[0], device=states.device), (reply_mask.sum(1) - 1).clamp_min(0)]
        total, total_empty = (logp * w).sum(1), (logp_empty * w).sum(1)
        lp, lp_empty = total / n, total_empty / n
        least = logp.masked_fill(w == 0, 0.0).min(1).values
        scalars = torch.stack([lp, lp_empty, lp - lp_empty, least, n, total, total_empty], dim=1)
        return torch.cat([mean, last, scalars], dim=-1)

    def head(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        """:meth:`features` → logit."""
        return self.out(self.features(x)).squeeze(-1)

    @torch.no_grad()
    def fit_probe(self, batch: Batch, labels: torch.Tensor, chunk: int = 256) -> float:
        """Fit the output layer as a linear probe (:meth:`fit_head`) on the
        frozen model's features of ``batch`` (``context``/``reply`` ids, human
        rows labelled 1); returns the probe's accuracy on that batch."""
        was = self.training
        self.eval()
        feats = torch.cat([self.features(self.embed(trim_padding({k: v[i:i + chunk] for k, v in batch.items()},
                                                                 self.pad_id)))
                           for i in range(0, len(labels), chunk)])
        labels = labels.to(feats.device, feats.dtype)
        self.fit_head(feats.float(), labels)
        acc = ((self.out(feats).squeeze(-1) > 0).float() == labels).float().mean().item()
        self.train(was)
        return acc

    @torch.no_grad()
    def fit_head(self, features: torch.Tensor, labels: torch.Tensor, l2: float = 1e-4, steps: int = 200) -> None:
        """Fit the output layer alone as an L2-regularised logistic regression on
        ``features`` [N, F] (from :meth:`features`) and 0/1 ``labels`` (full-batch
        L-BFGS on standardised features, folded back into the layer's weights)."""
        shift, scale = features.mean(0), features.std(0).clamp_min(1e-6)
        z = (features - shift) / scale
        w = torch.zeros(z.shape[1], device=z.device, requires_grad=True)
        b = torch.zeros((), device=z.device, requires_grad=True)
        opt = torch.optim.LBFGS([w, b], max_iter=steps, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            opt.zero_grad()
            with torch.enable_grad():
                loss = nn.functional.binary_cross_entropy_with_logits(z @ w + b, labels) + l2 * (w * w).sum()
                loss.backward()
            return loss

        opt.step(closure)
        self.out.weight.copy_((w / scale).unsqueeze(0))
        self.out.bias.copy_((b - (w * shift / scale).sum()).reshape(1))


__all__ = ["HierarchicalDiscriminator", "Seq2SeqDiscriminator", "TransformerDiscriminator"]
