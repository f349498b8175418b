"""bench/report.py's parsers and the generated Makefile.rv32's single-core variant (CORES=1), without
the RV32 toolchain (the full report runs in ``make bench``)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import report  # noqa: E402

SUMMARY = """  # layer                        op            MMAC  tiles    L1 B     cycles
  0 Conv_3                       conv2d       0.885      8   21992      58303
  1 Conv_26                      depthwise    0.295      8   18952      39673
    total                                     1.180     16   21992      97976
L2 peak 446124 B, L3 256000 B, weights 487728 B, 12.07 MAC/cycle modelled
"""


def test_parse_summary() -> None:
    m = report.parse_summary(SUMMARY)
    assert m["steps"][0] == dict(tiles=8, l1=21992, cycles=58303)
    assert m["steps"][1]["cycles"] == 39673
    assert (m["l1"], m["cycles"], m["l2"], m["l3"]) == (21992, 97976, 446124, 256000)


def test_step_line_pattern() -> None:
    line = " 19 Conv_440                     depthwise      73728 MAC     10776 modelled     1697810 instr  checksum a7cc0e44 ok"
    m = report._STEP.search(line)
    assert m is not None and (m[1], m[3], m[6], m[7]) == ("19", "depthwise", "1697810", "ok")


def test_per_kind_totals() -> None:
    layers = [dict(kind="conv3x3", work=100, busiest=50, sum=300, one=350, cycles=10, tiles=2),
              dict(kind="conv3x3", work=100, busiest=50, sum=300, one=350, cycles=10, tiles=2),
              dict(kind="pool", work=10, busiest=5, sum=30, one=35, cycles=4, tiles=1)]
    rows = report.per_kind(dict(layers=layers))
    assert [r["kind"] for r in rows] == ["conv3x3", "pool", "total"]
    assert rows[0]["work"] == 200 and rows[0]["n"] == 2 and rows[-1]["one"] == 735


def test_makefile_rv32_has_a_single_core_variant() -> None:
    from dory.backends.gap8.app import _MAKEFILE_RV32

    assert "CORES ?= 8" in _MAKEFILE_RV32
    assert "-DDORY_NUM_CORES=$(CORES)" in _MAKEFILE_RV32
    assert "-smp $(CORES)" in _MAKEFILE_RV32
    assert "-kernel $(ELF)" in _MAKEFILE_RV32
