"""The planned-IR fuzzer (tests/plan_fuzz.py) as a bounded, deterministic run: seeded edits of the
plans of the small built-in network and a shared one; every mutant must be a clean located error
or run bit-exactly under ASan/UBSan and the runtime's debug checks (the plan verifier's rule).
``make fuzz`` runs the long version."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import plan_fuzz as pf

pytestmark = pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")


def test_bounded_plan_fuzz(tmp_path: Path) -> None:
    bases = pf.bases(["nemo_Residual_connection_test_1"])
    tally = pf.run(bases, 150, 1, tmp_path, max_builds=1, cli_every=50)
    assert not any(tally.counts[k] for k in pf.BAD), "\n".join(f"{o.kind}: {o.site} -> {o.new}: {o.detail}" for o in tally.bad)
    assert tally.counts["error"] > 0 and tally.counts["ok"] > 0, tally.line()  # both sides are reached


def test_mutants_are_deterministic() -> None:
    """The same seed draws the same sites and values."""
    m = pf.plan_small()
    s1, s2 = pf.sites(m), pf.sites(pf.plan_small())
    assert [x.describe() for x in s1] == [x.describe() for x in s2] and len(s1) > 40


def test_known_bad_edits_are_errors() -> None:
    """Edits from the issue's campaign, each a clean error now: the L1 output ping on the input,
    a shift of 64, a tile taller than the layer, a negative offset."""
    from dory.dory_ir.interp.interpreter import random_inputs

    m = pf.plan_small()
    inputs = random_inputs(m, 0)
    ss = pf.sites(m)

    def edit(pred: object, new: int) -> str:
        site = next(s for s in ss if pred(s))  # type: ignore[operator]
        kind, detail = pf.check(pf.mutate(m, site, new), inputs, Path("/nonexistent"), build=False)
        assert kind == "error", (site.describe(), new, kind, detail)
        return detail

    assert "L1 output ping buffer at 0" in edit(lambda s: s.path == ("dory.l1", "output", 0), 0)
    assert "shift in [0, 62]" in edit(lambda s: s.path == ("requant", "shift"), 64)
    assert "h_out in [1, 6]" in edit(lambda s: s.path == ("dory.tile", "l1", "h_out") and s.value <= 6, 7)
    assert "uint32_t" in edit(lambda s: s.path == ("dory.alloc", "offset"), -1)
