"""What the end-to-end app tests (host and RV32) check of a run: every step's dumped bytes equal
the interpreter's, and the app itself reported every checksum and the final output as matching."""

from __future__ import annotations

import numpy as np
import pytest


def check_steps(stdout: str, got: list[bytes], want: list[bytes]) -> None:
    """Fail with the first differing step and byte; then require the app's own verdicts."""
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            a, b = np.frombuffer(g, np.uint8), np.frombuffer(w, np.uint8)
            first = int(np.argmax(a != b)) if a.size == b.size else -1
            pytest.fail(f"step {i}: {len(g)} bytes vs {len(w)} expected, first difference at byte {first}\n{stdout[-3000:]}")
    assert "MISMATCH" not in stdout
    assert "output matches" in stdout
