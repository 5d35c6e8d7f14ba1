"""Learning-rate schedules for GANs on the core loop, as callbacks."""

from __future__ import annotations

import torch

from advrl.core import AdversarialTrainer, Callback, OptimizedGenerator


class LinearDecay(Callback):
    """Decays the discriminator's and generator's learning rates linearly to 0 over the last
    ``fraction`` of the rounds (the paper's schedule, compressed to short budgets).

    The generator must own its optimiser (:class:`advrl.core.OptimizedGenerator`)."""

    def __init__(self, total: int, fraction: float = 0.3) -> None:
        self.total, self.fraction = total, fraction
        self.base: list[float] = []

    def _optimizers(self, trainer: AdversarialTrainer) -> list[torch.optim.Optimizer]:
        if not isinstance(trainer.generator, OptimizedGenerator):
            raise TypeError(f"LinearDecay schedules the generator's optimizer, but {type(trainer.generator).__name__} "
                            "has no `optimizer` attribute (see advrl.core.OptimizedGenerator)")
        return [trainer.d_optimizer, trainer.generator.optimizer]

    def on_train_start(self, trainer: AdversarialTrainer) -> None:
        self.base = [opt.param_groups[0]["lr"] for opt in self._optimizers(trainer)]

    def on_round_end(self, trainer: AdversarialTrainer, metrics: dict[str, float]) -> None:
        start = (1 - self.fraction) * self.total
        scale = 1.0 if trainer.round < start else max(0.0, (self.total - trainer.round) / (self.total - start))
        for opt, base in zip(self._optimizers(trainer), self.base):
            for group in opt.param_groups:
                group["lr"] = base * scale
