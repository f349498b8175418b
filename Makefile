# dory's developer entry points.
#
#   make demo     set up .venv if missing, compile the example network to C, build and run it on the host
#   make test     pytest + lit, closing with one "N passed, N failed" line (exit 1 on any failure)
#   make pytest   only the Python tests          make lit   only the lit/FileCheck tests
#   make bench    every bench/bench_*.py (parser/printer, import/interpret, tiling, compile + host run)
#   make venv     create .venv and install dory editable with its test extras
#   make clean    remove build and test-runner leftovers
#
# Tools come from .venv/bin when it exists, else from PATH; override with BIN=/some/bin/ (the
# trailing slash matters) or PY=/path/to/python.

VENV ?= .venv
PYTHON3 ?= python3

ifneq ($(wildcard $(VENV)/bin/python),)
BIN ?= $(VENV)/bin/
PY ?= $(VENV)/bin/python
else
BIN ?=
PY ?= $(PYTHON3)
endif

.PHONY: all demo test pytest lit bench venv clean

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
	$(VENV)/bin/python -m tools.netgen $(DEMO_NET) -o build/demo/$(DEMO_NET).onnx
	@echo "== 2. Compile it to a GAP8/host C application"
	$(VENV)/bin/dory-compile build/demo/$(DEMO_NET).onnx -o build/demo/app --seed 1
	@echo "== 3. Build it for the host and run it (bit-exact check of every layer)"
	$(MAKE) --no-print-directory -s -C build/demo/app run

test:
	$(PY) tools/run_tests.py --bin "$(BIN)"

pytest:
	$(PY) tools/run_tests.py --bin "$(BIN)" --only pytest

lit:
	$(PY) tools/run_tests.py --bin "$(BIN)" --only lit

# Every benchmark in bench/: parser/printer throughput, then network import/interpret times.
bench:
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf build dist .pytest_cache
	find . -path ./$(VENV) -prune -o \( -name Output -type d -o -name .lit_test_times.txt \) -print0 \
		| xargs -0 rm -rf
