"""tests/cc_cache.py, the test suites' object cache for the C runtime: a hit links the same program
a plain compile does, a changed source, header, define or flag is a miss, warnings and errors come
through, and commands it does not handle go to the compiler untouched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import cc_cache

CC = shutil.which("cc") or shutil.which("gcc")
pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler")
WRAPPER = [sys.executable, str(Path(cc_cache.__file__).resolve())]


def _app(root: Path, scale: int = 3) -> Path:
    """A tiny app laid out as dory writes them: its own main.c, a runtime/ with a header."""
    (root / "runtime" / "include").mkdir(parents=True)
    (root / "runtime" / "src").mkdir(parents=True)
    (root / "runtime" / "include" / "k.h").write_text(f"#define SCALE {scale}\nint k(int x);\n")
    (root / "runtime" / "src" / "k.c").write_text('#include "k.h"\nint k(int x) { return x * SCALE + OFFSET; }\n')
    (root / "main.c").write_text('#include <stdio.h>\n#include "k.h"\nint main(void) { printf("%d\\n", k(7)); return 0; }\n')
    return root


def _build(app: Path, cache: Path, *extra: str, wrapped: bool = True, offset: int = 1) -> subprocess.CompletedProcess[str]:
    cmd = [*(WRAPPER if wrapped else []), str(CC), "-O2", "-Wall", "-Werror", "-Iruntime/include", f"-DOFFSET={offset}", *extra,
           "main.c", "runtime/src/k.c", "-o", "app"]
    env = {**os.environ, "DORY_CC_CACHE_DIR": str(cache), "DORY_CC_CACHE": "1"}
    return subprocess.run(cmd, cwd=app, capture_output=True, text=True, env=env)


def _objects(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*.o") if not p.name.startswith("."))


def _run(app: Path) -> str:
    return subprocess.run([str(app / "app")], capture_output=True, text=True, check=True).stdout


def test_split_keeps_options_and_finds_the_sources() -> None:
    got = cc_cache.split(["-O2", "-I", "inc", "main.c", "-DX=1", "runtime/a.c", "-T", "link.ld", "-o", "app", "runtime/b.S"])
    assert got is not None
    options, sources, output = got
    assert options == ["-O2", "-I", "inc", "-DX=1", "-T", "link.ld"] and output == "app"
    assert [s for _, s in sources] == ["main.c", "runtime/a.c", "runtime/b.S"]
    # Not an app's compile-and-link: left alone.
    assert cc_cache.split(["-c", "runtime/a.c", "-o", "a.o"]) is None
    assert cc_cache.split(["main.c", "-o", "app"]) is None  # nothing under runtime/
    assert cc_cache.key_options(["-O2", "-D", "X=1", "-DY", "-Iinc", "-U", "Z", "-g"]) == ["-O2", "-g"]


def test_a_hit_links_the_same_program_and_a_change_misses(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    app = _app(tmp_path / "a")
    plain = _app(tmp_path / "plain")
    assert _build(plain, cache, wrapped=False).returncode == 0
    assert _build(app, cache).returncode == 0
    assert len(_objects(cache)) == 1 and _run(app) == _run(plain) == "22\n"
    # A second app (another directory, same runtime) reuses the object.
    other = _app(tmp_path / "b")
    before = _objects(cache)[0].stat().st_mtime_ns
    assert _build(other, cache).returncode == 0 and _run(other) == "22\n"
    assert len(_objects(cache)) == 1 and _objects(cache)[0].stat().st_mtime_ns == before
    # A define, a header, a flag: each a new object, and the program follows.
    assert _build(other, cache, offset=2).returncode == 0 and _run(other) == "23\n"
    (other / "runtime" / "include" / "k.h").write_text("#define SCALE 5\nint k(int x);\n")
    assert _build(other, cache).returncode == 0 and _run(other) == "36\n"
    assert _build(other, cache, "-O1").returncode == 0 and _run(other) == "36\n"
    assert len(_objects(cache)) == 4
    # An unchanged define spelled twice (its effect is in the preprocessed text) is a hit.
    assert _build(app, cache, "-DUNUSED=1").returncode == 0 and len(_objects(cache)) == 4


def test_warnings_and_errors_come_through(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    app = _app(tmp_path / "a")
    (app / "runtime" / "src" / "k.c").write_text('#include "k.h"\nint k(int x) { int unused; return x * SCALE + OFFSET; }\n')
    r = _build(app, cache)
    assert r.returncode != 0 and "unused" in r.stderr and _objects(cache) == []
    # Without -Werror it builds, prints the warning every time, and keeps no object.
    for _ in range(2):
        r = subprocess.run([*WRAPPER, str(CC), "-Wall", "-Iruntime/include", "-DOFFSET=1", "main.c", "runtime/src/k.c",
                            "-o", "app"], cwd=app, capture_output=True, text=True,
                           env={**os.environ, "DORY_CC_CACHE_DIR": str(cache)})
        assert r.returncode == 0 and "unused" in r.stderr and _objects(cache) == []
    assert _run(app) == "22\n"
    assert not any(cache.rglob("*.o"))  # nor the one-build object
    # Pass-through: a -c compile of a source outside runtime/ goes straight to the compiler.
    env = {**os.environ, "DORY_CC_CACHE_DIR": str(cache)}
    r = subprocess.run([*WRAPPER, str(CC), "-Iruntime/include", "-c", "main.c", "-o", "main.o"],
                       cwd=app, capture_output=True, text=True, env=env)
    assert r.returncode == 0 and (app / "main.o").exists() and not any(cache.rglob("*.o"))


def test_one_runtime_source_compiled_alone_is_cached(tmp_path: Path) -> None:
    """``-c runtime/X.c -o OUT`` (how backends/l2_reserve.py compiles a GAP app's objects): OUT is a
    copy of the cached object, which a second app reuses; a source that does not compile fails."""
    cache = tmp_path / "cache"
    env = {**os.environ, "DORY_CC_CACHE_DIR": str(cache)}
    objs = []
    for name in ("a", "b"):
        app = _app(tmp_path / name)
        r = subprocess.run([*WRAPPER, str(CC), "-O2", "-Iruntime/include", "-DOFFSET=1", "-c", "runtime/src/k.c", "-o", "k.o"],
                           cwd=app, capture_output=True, text=True, env=env)
        assert r.returncode == 0 and len(_objects(cache)) == 1, r.stderr
        objs.append((app / "k.o").read_bytes())
    assert objs[0] == objs[1] == _objects(cache)[0].read_bytes()
    (app / "runtime" / "src" / "k.c").write_text("int k(int x) { return x +; }\n")
    r = subprocess.run([*WRAPPER, str(CC), "-Iruntime/include", "-c", "runtime/src/k.c", "-o", "k2.o"],
                       cwd=app, capture_output=True, text=True, env=env)
    assert r.returncode != 0 and "error" in r.stderr and not (app / "k2.o").exists()


def test_install_env_wraps_the_app_compilers() -> None:
    env: dict[str, str] = {"CC": "gcc-12"}
    cc_cache.install_env(env)
    if " " in sys.executable or " " in str(cc_cache.ROOT):
        assert env == {"CC": "gcc-12"}
        return
    assert env["CC"].endswith("cc_cache.py gcc-12") and env["CROSS"].endswith("cc_cache.py riscv64-unknown-elf-")
    again = dict(env)
    cc_cache.install_env(again)
    assert again == env  # never wrapped twice
    off = {"DORY_CC_CACHE": "0"}
    cc_cache.install_env(off)
    assert off == {"DORY_CC_CACHE": "0"}
