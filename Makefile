# dory's developer entry points.
#
#   make demo     set up .venv if missing, compile the example network to C, build and run it on the host
#   make test     pytest + lit, closing with one "N passed, N failed, N skipped" line (exit 1 on any failure);
#                 without the pytest tests marked `long` (the longest sweeps)
#   make test-long   only the `long` tests     make test-all   everything (what CI runs: one closing line)
#   make pytest   only the Python tests          make lit   only the lit/FileCheck tests
#   make pytest-fast   the Python tests not marked slow (a quick check while editing)
#   make fuzz-onnx   the long ONNX mutation fuzz run (tests/onnx_fuzz.py: FUZZ_COUNT mutants of the shared
#                 networks through dory-translate --from-onnx, FUZZ_APPS accepted ones built and run; exit 1 on a finding)
#   make bench    bench/report.py: networks and kernels on RV32 (QEMU), compile times, cost-model
#                 calibration, GVSOC cycles (when present), tile plans vs DORY's / Deeploy's (modelled) -> build/bench/report.md (other benches: python bench/bench_*.py)
#   make gvsoc    build the GVSOC simulator (pulp-open) at pinned commits into ~/.cache/dory/gvsoc
#                 (GVSOC_CACHE=DIR elsewhere, GVSOC_MIRRORS=DIR from local git dirs; docs/gvsoc.md)
#   make venv     create .venv and install dory editable with its test extras
#   make clean    remove build and test-runner leftovers
#
# Tools come from .venv/bin, which test/pytest/lit/bench create first when it is missing (so
# `make test` works in a fresh clone); override with BIN=/some/bin/ (the trailing slash matters;
# BIN= for PATH) and PY=/path/to/python, and no venv is made.

VENV ?= .venv
PYTHON3 ?= python3

ifeq ($(origin BIN),undefined)
BIN := $(VENV)/bin/
PY ?= $(VENV)/bin/python
SETUP := $(VENV)/bin/python
else
PY ?= $(PYTHON3)
SETUP :=
endif

.PHONY: all demo test test-long test-all pytest pytest-fast fuzz fuzz-onnx lit bench gvsoc venv clean

all: test

# The venv as a file target: created once, reused afterwards.
$(VENV)/bin/python:
	$(PYTHON3) -m venv $(VENV)
	$(VENV)/bin/pip install --upgrade pip
	$(VENV)/bin/pip install -e '.[test]'

venv: $(VENV)/bin/python

# The main job: generate a bundled example network with our own generator (a NEMO-style DroNet,
# random calibrated integer weights), compile it with dory-compile (ONNX import, gap8-default:
# fusion, requant folding, memory levels, SAT tiling, buffer allocation, then the C emitter) into
# build/demo/app, build that for the host (8 pthread "cores", exact L1/L2 arenas) and run it: it
# checks every layer's checksum and the final output against the reference interpreter's values,
# embedded at compile time, and exits non-zero on any mismatch.
DEMO_NET ?= dronet

demo: $(VENV)/bin/python
	@rm -rf build/demo && mkdir -p build/demo
	@echo "== 1. Generate the example network ($(DEMO_NET), ONNX)"
	$(VENV)/bin/python -m dory.tools.dory_netgen $(DEMO_NET) -o build/demo/$(DEMO_NET).onnx
	@echo "== 2. Compile it to a GAP8/host C application"
	$(VENV)/bin/dory-compile build/demo/$(DEMO_NET).onnx -o build/demo/app --seed 1
	@echo "== 3. Build it for the host and run it (bit-exact check of every layer)"
	$(MAKE) --no-print-directory -s -C build/demo/app run

test: $(SETUP)
	$(PY) tests/run_tests.py --bin "$(BIN)"

test-long: $(SETUP)
	$(PY) tests/run_tests.py --bin "$(BIN)" --long only

# The planned-IR fuzzer's long run (tests/plan_fuzz.py; tests/test_plan_fuzz.py is its bounded run
# in `make test`): FUZZ_N seeded plan edits, FUZZ_BUILDS of the accepted ones built and run under
# ASan/UBSan; exit 1 on any traceback, hang, C build failure, wrong result or sanitizer report.
FUZZ_N ?= 5000
FUZZ_BUILDS ?= 200
fuzz: $(SETUP)
	$(PY) tests/plan_fuzz.py --n $(FUZZ_N) --builds $(FUZZ_BUILDS)

test-all: $(SETUP)
	$(PY) tests/run_tests.py --bin "$(BIN)" --long include

pytest: $(SETUP)
	$(PY) tests/run_tests.py --bin "$(BIN)" --only pytest

# The tests marked `slow` (pyproject.toml) build and run C apps or plan whole networks; `make test`
# and `make pytest` still run them.
pytest-fast: $(SETUP)
	$(PY) tests/run_tests.py --bin "$(BIN)" --only pytest -- -m "not slow"

FUZZ_COUNT ?= 10000
FUZZ_APPS ?= 40
FUZZ_SEED ?= 16

fuzz-onnx: $(SETUP)
	$(PY) tests/onnx_fuzz.py --count $(FUZZ_COUNT) --apps $(FUZZ_APPS) --seed $(FUZZ_SEED) --jobs 2

lit: $(SETUP)
	$(PY) tests/run_tests.py --bin "$(BIN)" --only lit

# The benchmark report (bench/report.py, ~1 min): 4 shared networks + MobileNetV1-0.25-128 built for
# RV32 and run bit-exact on QEMU with 8 and 1 harts (per-layer-kind instructions/MAC, speed-up,
# modelled GAP8 cycles), dory-compile times (median of 3), L1/L2/L3 use, the kernels against naive
# loops (bench_kernels), the calibration of backends/gap8/hw.py, and where GVSOC is present (tests/gvsoc.py
# finds it) every shared network + MobileNetV1-0.25-128 measured on GVSOC pulp-open against DORY's figures
# and the cost model (bench/bench_gvsoc.py, a few minutes; skipped with its reason without GVSOC).
# Fails on any mismatch.
# The other benches (parser/printer, tiling, host runs) run individually: $(PY) bench/bench_X.py
bench: $(SETUP)
	$(PY) bench/report.py -o build/bench/report.md

# GVSOC for the pulp-open runs and their tests (tests/gvsoc.py finds it): sources from GitHub, or
# from local git directories named <owner>+<name> under GVSOC_MIRRORS; an identical install is
# reused. The script prints the install directory last.
gvsoc:
	bench/gvsoc/build.sh $(if $(GVSOC_MIRRORS),--mirrors "$(GVSOC_MIRRORS)") $(if $(GVSOC_CACHE),--cache "$(GVSOC_CACHE)")

clean:
	rm -rf build dist .pytest_cache
	find . -path ./$(VENV) -prune -o \( -name Output -type d -o -name .lit_test_times.txt \) -print0 \
		| xargs -0 rm -rf
