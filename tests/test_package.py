"""The installed package: one ``dory`` namespace (setup.cfg's package_dir maps dory.passes to
passes/, dory.runtime to runtime/, ...), the C runtime and the grammar as package data, and tools
that work from a wheel installed outside the checkout (issue 15)."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The repository's top-level Python folders, each installed as dory.<name>.
FOLDERS = ("dory_ir", "passes", "backends", "tools", "driver", "frontend")


def _setup_cfg() -> configparser.ConfigParser:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return cfg


def test_every_python_package_is_installed_under_dory() -> None:
    """setup.cfg lists its packages by hand (a package_dir mapping cannot `find:` under a prefix):
    every folder with an ``__init__.py`` must be among them, mapped from where it sits."""
    opts = _setup_cfg()["options"]
    listed = {p.strip() for p in opts["packages"].split("\n") if p.strip()}
    mapping = dict(line.split("=") for line in opts["package_dir"].split("\n") if line.strip())
    mapping = {k.strip(): v.strip() for k, v in mapping.items()}
    assert {mapping[f"dory.{f}"] for f in FOLDERS} == set(FOLDERS)
    on_disk = {"dory", "dory.runtime"} | {
        "dory." + ".".join(init.parent.relative_to(ROOT).parts)
        for f in FOLDERS for init in (ROOT / f).rglob("__init__.py")
    }
    assert listed == on_disk


def test_no_import_outside_the_dory_namespace() -> None:
    """Every import of dory's own modules goes through ``dory.`` (a bare ``passes`` would be a
    second copy of the module in the checkout, and missing from a wheel)."""
    old = re.compile(rf"^\s*(?:from|import) (?:{'|'.join(FOLDERS)})\b", re.M)
    files = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    bad = [f for f in files if old.search((ROOT / f).read_text(encoding="utf-8"))]
    assert not bad, f"old-style imports (run the rewrite in the packaging commit's message): {bad}"


def test_data_path_finds_the_runtime_and_the_grammar() -> None:
    from dory import data_path

    assert (data_path("runtime", "src") / "layer.c").is_file()
    assert data_path("dory_ir", "grammar.lark").is_file()
    with pytest.raises(FileNotFoundError, match="no_such_file"):
        data_path("runtime", "no_such_file")


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{cmd} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r


@pytest.mark.slow
def test_wheel_installs_and_runs_the_demo_outside_the_checkout(tmp_path: Path) -> None:
    """`pip wheel .`, installed with --no-deps into a fresh venv in tmp_path (its dependencies
    come from this interpreter's site-packages through a .pth file: no network), then from a
    directory outside the checkout: dory-netgen dronet, dory-compile, `make -C app run` on the host
    (bit-exact against the reference values embedded at compile time)."""
    wheels = tmp_path / "wheels"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # Built from a copy of the checkout's files (tracked and new, not ignored ones), so a stale
    # build/lib in the checkout can neither leak into nor hide from the wheel. setuptools and
    # wheel come with the test extras; no build isolation: offline.
    src = tmp_path / "src"
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.split("\n")
    for rel in filter(None, listed):
        if (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels),
          str(src)], src, env)
    (whl,) = wheels.glob("dory-*.whl")
    names = zipfile.ZipFile(whl).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"dory", whl.name.split("-")[0] + "-" + whl.name.split("-")[1] + ".dist-info"}, tops
    runtime = {f"dory/{f}" for f in listed if f.startswith("runtime/")}
    assert runtime == {n for n in names if n.startswith("dory/runtime/")}
    assert "dory/dory_ir/grammar.lark" in names

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, env)
    py = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--no-index", str(whl)],
         tmp_path, env)
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     tmp_path, env).stdout.strip())
    # onnx, numpy, lark, ... from this interpreter's environment, after the venv's own packages.
    (site / "_dory_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = {p.name for p in site.iterdir()}
    assert not installed & set(FOLDERS) and "runtime" not in installed, installed
    assert "dory" in installed

    work = tmp_path / "work"
    work.mkdir()
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    where = _run([str(py), "-c", "import dory.backends.gap8.app as a; print(a.RUNTIME)"], work, env).stdout
    assert Path(where.strip()) == site / "dory" / "runtime"
    _run([str(venv / "bin" / "dory-netgen"), "dronet", "-o", "dronet.onnx"], work, env)
    _run([str(venv / "bin" / "dory-compile"), "dronet.onnx", "-o", "app", "--seed", "1", "-q"], work, env)
    r = _run(["make", "--no-print-directory", "-s", "-C", "app", "run"], work, env)
    assert re.search(r"(\d+) of \1 steps match, output matches", r.stdout), r.stdout
