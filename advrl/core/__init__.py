"""advrl.core — the shared adversarial loop. Imports no family."""

from advrl.core.checkpoint import atomic_path, load_checkpoint, save_checkpoint
from advrl.core.data import TensorData
from advrl.core.errors import UserError
from advrl.core.interrupts import TrainingInterrupted, deferred_interrupts
from advrl.core.logging import ScalarLogger
from advrl.core.loop import AdversarialTrainer, Callback, LoopConfig, gradient_penalty
from advrl.core.progress import Progress, progress_iter
from advrl.core.rundir import check_output_file, prepare_run_dir, settings_differences, write_summary
from advrl.core.objectives import OBJECTIVES, REWARDS, Minimax, NonSaturating, Objective, Wasserstein, make_objective
from advrl.core.protocols import (Batch, Critic, Discriminator, Embedding, Generator, OptimizedGenerator, RealData,
                                  to_device)
from advrl.core.runtime import resolve_device, rng_state, seed_everything, set_rng_state

__all__ = [
    "AdversarialTrainer", "Batch", "Callback", "Critic", "Discriminator", "Embedding", "Generator", "LoopConfig",
    "Minimax", "NonSaturating", "OBJECTIVES", "Objective", "OptimizedGenerator", "REWARDS", "RealData", "ScalarLogger",
    "TensorData", "Wasserstein", "atomic_path", "gradient_penalty", "load_checkpoint", "make_objective",
    "resolve_device", "rng_state", "save_checkpoint", "seed_everything", "set_rng_state", "to_device", "UserError", "Progress", "progress_iter", "TrainingInterrupted", "deferred_interrupts",
    "check_output_file", "prepare_run_dir", "settings_differences", "write_summary",
]
