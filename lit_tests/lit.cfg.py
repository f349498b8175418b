"""lit configuration for dory's FileCheck-style tests (run with the `lit` console script)."""

import os
import shutil
import sys

import lit.formats

config.name = "dory"  # noqa: F821 - `config` is injected by lit
config.test_format = lit.formats.ShTest()  # internal shell: `not`, `env`, `cd` are built in
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(os.path.dirname(os.path.dirname(__file__)), "build", "lit")
# Never collect the config itself or helper inputs as tests.
config.excludes = ["Inputs", "lit.cfg.py"]

# lit scrubs the environment (PYTHONPATH, VIRTUAL_ENV are dropped): put the interpreter's bin dir
# (where the dory-* console scripts and filecheck live) first on PATH so RUN lines find them.
bindir = os.path.dirname(sys.executable)
config.environment["PATH"] = os.pathsep.join([bindir, config.environment.get("PATH", os.environ.get("PATH", ""))])
for var in ("HOME", "XDG_CACHE_HOME"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
config.substitutions.append(("%python", sys.executable))
# The apps RUN lines build compile the C runtime through tests/cc_cache.py's object cache (once per
# compiler, flags and preprocessed source for the whole run; DORY_CC_CACHE=0 turns it off).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
import cc_cache  # noqa: E402 - the path above first (it sets DORY_CC_CACHE_DIR's default: build/cc-cache)

for var in ("DORY_CC_CACHE", "DORY_CC_CACHE_DIR"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

cc_cache.install_env(config.environment)
# onnxruntime as an independent oracle of an app's final output (tests/ort_oracle.py's main).
config.substitutions.append(("%ort_final", f"{sys.executable} {os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tests', 'ort_oracle.py')}"))
# The shared acceptance networks sit beside the checkout (CI puts ../shared there).
shared = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "shared")
config.substitutions.append(("%shared", shared))
if os.path.isdir(os.path.join(shared, "models")):
    config.available_features.add("shared-models")
# The TFLite importer's flatbuffer parser (PyPI `tflite`, in the test extras).
import importlib.util  # noqa: E402

if importlib.util.find_spec("tflite") is not None and importlib.util.find_spec("flatbuffers") is not None:
    config.available_features.add("tflite")
if shutil.which("cc") or shutil.which("gcc"):
    config.available_features.add("cc")
# The RV32 emulator target (runtime/port/rv32): cross compiler, QEMU, and a host cc for the plugin.
if shutil.which("riscv64-unknown-elf-gcc") and shutil.which("qemu-system-riscv32") and "cc" in config.available_features:
    config.available_features.add("rv32")
# Bare-metal builds for GVSOC's pulp-open (runtime/port/pulp): Debian's cross compiler and picolibc.
if shutil.which("riscv64-unknown-elf-gcc") and os.path.isdir("/usr/lib/picolibc/riscv64-unknown-elf"):
    config.available_features.add("riscv-gcc")
