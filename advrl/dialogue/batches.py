"""(context, reply) pairs as fixed-width id tensors — the batches the
discriminator scores and the loop's :class:`~advrl.core.TensorData` samples.

A batch is ``{"context": LongTensor[B, Lc], "reply": LongTensor[B, Lr]}``,
right-padded with the tokenizer's pad id; a reply ends with ``[EOS]`` unless it
was cut at ``Lr`` tokens.
"""

from __future__ import annotations

import torch
from transformers import PreTrainedTokenizerBase

from advrl.core import TensorData, UserError
from advrl.dialogue.corpora import Pair


def encode_texts(tokenizer: PreTrainedTokenizerBase, texts: list[str], width: int, eos: bool,
                 keep_end: bool = False) -> torch.Tensor:
    """Token ids (no special tokens) cut to ``width`` (room kept for ``[EOS]``
    when ``eos``; the last ``width`` tokens when ``keep_end``, as for a context
    whose most recent turn matters most), right-padded to exactly ``width``."""
    ids = tokenizer(list(texts), add_special_tokens=False)["input_ids"]
    out = torch.full((len(ids), width), tokenizer.pad_token_id, dtype=torch.long)
    for i, seq in enumerate(ids):
        seq = list(seq)
        seq = seq[: width - 1] + [tokenizer.eos_token_id] if eos else (seq[-width:] if keep_end else seq[:width])
        if not seq:
            seq = [tokenizer.unk_token_id if tokenizer.unk_token_id is not None else tokenizer.eos_token_id]
        out[i, : len(seq)] = torch.tensor(seq, dtype=torch.long)
    return out


def encode_pairs(tokenizer: PreTrainedTokenizerBase, pairs: list[Pair], context_len: int, reply_len: int) -> dict[str, torch.Tensor]:
    """A batch dict for ``pairs`` (contexts keep their last ``context_len`` tokens)."""
    if not pairs:
        raise UserError("no (context, reply) pairs to encode")
    contexts, replies = zip(*pairs)
    return {"context": encode_texts(tokenizer, list(contexts), context_len, eos=False, keep_end=True),
            "reply": encode_texts(tokenizer, list(replies), reply_len, eos=True)}


def pad_to(ids: torch.Tensor, width: int, pad_id: int) -> torch.Tensor:
    """Right-pad (or cut) ``ids`` [B, L] to [B, width]."""
    if ids.shape[1] >= width:
        return ids[:, :width]
    pad = torch.full((ids.shape[0], width - ids.shape[1]), pad_id, dtype=ids.dtype, device=ids.device)
    return torch.cat([ids, pad], dim=1)


def trim_padding(batch: dict[str, torch.Tensor], pad_id: int) -> dict[str, torch.Tensor]:
    """The batch with trailing columns that are padding in every row cut
    (right-padded ids keep their meaning; the model computes less)."""
    out = {}
    for key, ids in batch.items():
        used = (ids != pad_id).any(0).nonzero()
        out[key] = ids[:, : int(used.max()) + 1] if len(used) else ids[:, :1]
    return out


def with_denoising_rows(batch: dict[str, torch.Tensor], fraction: float, pad_id: int, eos_id: int, mask_id: int,
                        mask_prob: float = 0.3) -> dict[str, torch.Tensor]:
    """The batch with its first ``fraction`` of rows turned into BART's denoising
    task: the context becomes the row's own reply with ``mask_prob`` of its tokens
    masked (``mask_id``) and the target stays the reply, so the decoder must read
    the encoder to copy it (mixed into dialogue MLE, this keeps the encoder and the
    cross-attention in use). Uses torch's global RNG."""
    n = int(round(fraction * batch["reply"].shape[0]))
    if n == 0:
        return batch
    context, reply = batch["context"].clone(), batch["reply"]
    source = reply[:n].masked_fill(reply[:n] == eos_id, pad_id)
    noise = (torch.rand(source.shape) < mask_prob) & (source != pad_id)
    source = source.masked_fill(noise, mask_id)
    width = max(context.shape[1], source.shape[1])
    context = pad_to(context, width, pad_id)
    context[:n] = pad_to(source, width, pad_id)
    return {**batch, "context": context}


def human_data(tokenizer: PreTrainedTokenizerBase, pairs: list[Pair], context_len: int, reply_len: int) -> TensorData:
    """Human (context, reply) pairs as the loop's real data."""
    return TensorData(encode_pairs(tokenizer, pairs, context_len, reply_len))


__all__ = ["encode_pairs", "encode_texts", "human_data", "pad_to", "trim_padding", "with_denoising_rows"]
