"""The README's 'plugging in a new generator' example runs and learns what it says.

It lives with the GAN tests because the example uses ``advrl.gan.MLPDiscriminator``
(tests/core imports no family)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_generator_example_learns_the_mean():
    text = README.read_text()
    section = text.split("Plugging in a new generator", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, str(README), "exec"), namespace)
    mu = namespace["gen"].mu.item()
    assert abs(mu - 3.0) < 0.5, f"README example learned mu={mu:.2f}, the README says ≈ 3"
