# dory's developer entry points.
#
#   make demo     set up .venv if missing, run the example network, say what is not there yet
#   make test     pytest + lit, closing with one "N passed, N failed" line (exit 1 on any failure)
#   make pytest   only the Python tests          make lit   only the lit/FileCheck tests
#   make bench    every bench/bench_*.py (parser/printer throughput, network import/interpret)
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

# The product's main job, compiling a network to GAP8 C, does not exist yet; the demo runs what
# does and says so plainly: our own generated DroNet (tools/netgen.py) imported from ONNX and run
# on the bit-exact reference interpreter, then (when ../shared is beside the checkout) a real NEMO
# network planned for GAP8 and its tiled plan checked layer by layer against DORY's outputs.
DEMO_NET ?= ../shared/models/nemo_dronet_2.0

demo: $(VENV)/bin/python
	@mkdir -p build/demo
	@echo "== 1. Generate a NEMO-style DroNet (random integer weights) and import it from ONNX"
	$(VENV)/bin/python -m tools.netgen dronet -o build/demo/dronet.onnx
	$(VENV)/bin/dory-translate --from-onnx build/demo/dronet.onnx -o build/demo/dronet.mlir
	@echo "== 2. Run it on the reference interpreter (seeded random input)"
	$(VENV)/bin/dory-run build/demo/dronet.mlir --seed 1
	@if [ -f "$(DEMO_NET)/model_int.onnx" ]; then \
		echo "== 3. Import $(DEMO_NET)/model_int.onnx, plan it for GAP8 (fuse, memory, SAT tiling, buffers),"; \
		echo "      and compare every layer of the tiled plan with DORY's outputs"; \
		$(VENV)/bin/dory-translate --from-onnx "$(DEMO_NET)/model_int.onnx" -o build/demo/net.mlir && \
		$(VENV)/bin/dory-opt build/demo/net.mlir -p gap8-default --verify-semantics=1 -o build/demo/net.planned.mlir && \
		$(VENV)/bin/dory-run build/demo/net.planned.mlir --input "$(DEMO_NET)/input.txt" --reference "$(DEMO_NET)"; \
	else \
		echo "== 3. (skipped: $(DEMO_NET) not found; it comes with ../shared beside the checkout)"; \
	fi
	@echo "== 4. Compile to C for GAP8"
	@echo "dory-compile: not yet — the GAP8 backend (compiling a network to C) lands with issue 6"

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
