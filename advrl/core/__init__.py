"""advrl.core — the shared adversarial loop. Imports no family."""

from advrl.core.checkpoint import atomic_path, load_checkpoint, save_checkpoint
from advrl.core.checks import check_number, check_out, check_seed
from advrl.core.data import TensorData
from advrl.core.errors import UserError, first_line
from advrl.core.interrupts import TrainingInterrupted, deferred_interrupts
from advrl.core.logging import ScalarLogger
from advrl.core.loop import AdversarialTrainer, Callback, LoopConfig, gradient_penalty
from advrl.core.objectives import OBJECTIVES, REWARDS, Minimax, NonSaturating, Objective, Wasserstein, make_objective
from advrl.core.progress import Progress, progress_iter
from advrl.core.protocols import (Batch, Critic, Discriminator, Embedding, Generator, OptimizedGenerator, RealData,
                                  eval_mode, to_device)
from advrl.core.rundir import (check_output_file, content_sha256, prepare_run_dir, settings_differences,
                               write_summary)
from advrl.core.runtime import resolve_device, rng_state, seed_everything, set_rng_state

__all__ = [
    "AdversarialTrainer", "Batch", "Callback", "Critic", "Discriminator", "Embedding", "Generator", "LoopConfig",
    "Minimax", "NonSaturating", "OBJECTIVES", "Objective", "OptimizedGenerator", "Progress", "REWARDS", "RealData",
    "ScalarLogger", "TensorData", "TrainingInterrupted", "UserError", "Wasserstein", "atomic_path", "check_number",
    "check_out", "check_output_file", "check_seed", "content_sha256", "deferred_interrupts", "eval_mode",
    "first_line", "gradient_penalty", "load_checkpoint", "make_objective", "prepare_run_dir", "progress_iter",
    "resolve_device", "rng_state", "save_checkpoint", "seed_everything", "set_rng_state", "settings_differences",
    "to_device", "write_summary",
]
