"""Expert demonstration files: one native format and readers for the files users already have.

``load_demos(path)`` auto-detects the native advrl ``.npz``, imitation's ``.npz`` and
HF-datasets folder, stable-baselines 2 ``ExpertDataset`` ``.npz``, openai/baselines ``.npz``
Minari and D4RL HDF5 datasets; ``save_demos`` writes the native format atomically.
"""

from __future__ import annotations


from advrl.demos.dataset import Demonstrations, Episode, from_episodes
from advrl.demos.loader import FORMATS, detect_format, load_demos
from advrl.demos.native import FORMAT_VERSION, save_demos
from advrl.demos.validate import validate_demos

__all__ = [
    "Demonstrations", "Episode", "FORMATS", "FORMAT_VERSION", "detect_format", "from_episodes", "load_demos",
    "save_demos", "validate_demos",
]
