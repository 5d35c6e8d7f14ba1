"""advrl — an adversarial reinforcement-learning toolkit.

One adversarial loop (:mod:`advrl.core`) drives image GANs (:mod:`advrl.gan`),
GAIL (:mod:`advrl.gail`) and adversarial dialogue (:mod:`advrl.dialogue`).
"""

__version__ = "0.1.0"
