"""The discriminator's learning rate, decayed over the run as the generator's is."""

from __future__ import annotations

from advrl.core import AdversarialTrainer, Callback


class DiscriminatorDecay(Callback):
    """Set D's learning rate to ``base_lr · max(1 - round / total_rounds, floor)`` before
    every round. Read from the trainer's absolute round, so a resumed run continues the
    same schedule. With PPO's own linear decay, both players' steps shrink together: the
    reward stops moving at the end of the run, and the policy stops chasing it."""

    def __init__(self, base_lr: float, total_rounds: int, floor: float = 0.02) -> None:
        self.base_lr, self.total, self.floor = float(base_lr), max(int(total_rounds), 1), float(floor)

    def lr(self, round_: int) -> float:
        return self.base_lr * max(1.0 - round_ / self.total, self.floor)

    def _apply(self, trainer: AdversarialTrainer) -> None:
        for group in trainer.d_optimizer.param_groups:
            group["lr"] = self.lr(trainer.round)

    def on_train_start(self, trainer: AdversarialTrainer) -> None:
        self._apply(trainer)

    def on_round_end(self, trainer: AdversarialTrainer, metrics: dict[str, float]) -> bool | None:
        self._apply(trainer)
        return None


__all__ = ["DiscriminatorDecay"]
