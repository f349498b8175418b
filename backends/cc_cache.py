"""An object cache for the C runtime: its objects are compiled once per (compiler, flags,
preprocessed source) and reused by every app built or measured afterwards.

    python .../dory/backends/cc_cache.py COMPILER ARGS...   (what ``$(CC)`` / ``$(CROSS)gcc`` become)

Every app dory writes carries its own copy of ``runtime/`` and its Makefiles compile all of it in
one ``gcc ... *.c -o app`` command: a pulp or rv32 app spends ~5 s of CPU on the runtime's kernels
alone (~15 s on a loaded 2-core machine), and `backends.l2_reserve` links each pulp / rv32 app (and
compiles each GAP8 / GAP9 app's objects) to measure its L2 reserve, once or twice per
``dory-compile``. `backends.l2_reserve` runs its measuring builds through this wrapper
(`install_env`), and so do the test suites (tests/cc_cache.py, from tests/conftest.py and
lit_tests/lit.cfg.py). It splits such a command: each source under ``runtime/`` is compiled on its
own with ``-c`` into an object cache and the link gets the objects instead (the same program: gcc
compiles every source of one command separately and links the objects in command-line order); the
app's network.c and main*.c (different with every plan) are compiled with ``-c`` too, with the same
options, but not kept; its data.c (`CACHED_FILES`) is cached too. The sources are compiled (or
looked up) side by side, `jobs` at a time, and their messages printed in command-line order.

The cache key is what ccache's "preprocessor mode" hashes: the compiler (its resolved path, size and
mtime), every argument but the sources, ``-o`` and the preprocessor's own ``-D`` / ``-U`` / ``-I``
(whose effect is in the next item), and the source's preprocessed text (``COMPILER ARGS -E src``, so
a changed header or define is a different key). The object is compiled from the source itself (its
warnings are the real ones) with ``-fdebug-prefix-map=CWD=.`` so that it does not depend on the
app's directory; an object whose compile printed anything (a warning without -Werror) is not kept,
so its warnings come back on every build. Objects are written to a temporary file in the cache and
renamed into place (atomic on POSIX), so parallel tests (pytest -n, lit -j) can share the cache.

The cache is the user's ``$XDG_CACHE_HOME/dory/cc-cache/`` (``~/.cache`` without XDG_CACHE_HOME;
``DORY_CC_CACHE_DIR`` elsewhere: the tests use ``build/cc-cache/`` in the checkout, which ``make
clean`` removes), never the app or the source tree; ``DORY_CC_CACHE=0`` in the environment turns the
wrapper off. A command it does not
understand (``-c`` of anything but one runtime source, ``-E``, ``-S``, ``-M*``, ``-x``, ``-shared``,
``-flto``, no source under ``runtime/``) is passed to the compiler unchanged; ``-c runtime/X.c -o
OUT`` (how `backends.l2_reserve` compiles a GAP8/GAP9 app's objects one by one) copies the cached
object to OUT.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

SOURCE_SUFFIXES = (".c", ".S")
"""The inputs compiled from source (C, and assembly through the preprocessor)."""

CACHED_PREFIX = "runtime/"
"""Sources under this folder of the app (the runtime every app copies) are cached."""

CACHED_FILES = ("data.c",)
"""App sources cached too: the input and expected results, the same in both of a re-planning
dory-compile's measurements (and in every recompile with the same input), and 0.4 s to compile
for a 224x224 input's 1 MB of C."""


def cached_source(src: str) -> bool:
    """``src`` (as the command names it, relative to the app) goes through the cache."""
    return src.startswith(CACHED_PREFIX) or src in CACHED_FILES

PASS_THROUGH = ("-c", "-E", "-S", "-M", "-MM", "-shared", "-flto", "-x", "-")
"""Arguments after which the command is left alone (not an app's compile-and-link)."""

PREPROCESSOR_ONLY = ("-D", "-U", "-I")
"""Arguments whose whole effect is on the preprocessed text (already part of the key)."""

WITH_VALUE = ("-o", "-D", "-U", "-I", "-T", "-include", "-isystem", "-iquote", "-MF", "-MT", "-MQ", "-L", "-l")
"""Arguments that take the next one as their value when given alone."""


def cache_dir() -> Path:
    """Where the objects are kept: ``DORY_CC_CACHE_DIR``, else ``dory/cc-cache`` in the user's cache
    directory (``XDG_CACHE_HOME``, else ``~/.cache``)."""
    d = os.environ.get("DORY_CC_CACHE_DIR")
    if d:
        return Path(d)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dory" / "cc-cache"


def split(args: list[str]) -> tuple[list[str], list[tuple[int, str]], str | None] | None:
    """``args`` as (options without the sources and -o, [(position, source)], output), or None when the
    command is not a plain compile-and-link of sources."""
    options: list[str] = []
    sources: list[tuple[int, str]] = []
    output = None
    i = 0
    while i < len(args):
        a = args[i]
        if a in PASS_THROUGH or a.startswith("-M"):
            return None
        if a == "-o" and i + 1 < len(args):
            output = args[i + 1]
            i += 2
            continue
        if a in WITH_VALUE and i + 1 < len(args):
            options += [a, args[i + 1]]
            i += 2
            continue
        if not a.startswith("-") and a.endswith(SOURCE_SUFFIXES):
            sources.append((len(options), a))
        else:
            options.append(a)
        i += 1
    if output is None or not any(cached_source(s) for _, s in sources):
        return None
    return options, sources, output


def key_options(options: list[str]) -> list[str]:
    """``options`` less the preprocessor's own arguments (joined ``-DX=1`` or separate ``-D X=1``)."""
    out: list[str] = []
    skip = False
    for a in options:
        if skip:
            skip = False
        elif a in PREPROCESSOR_ONLY:
            skip = True
        elif not a.startswith(PREPROCESSOR_ONLY):
            out.append(a)
    return out


def compiler_identity(compiler: str) -> str:
    """The compiler's part of the key: its resolved path, size and mtime (a reinstalled or
    different compiler under the same name is a new key)."""
    path = shutil.which(compiler)
    if path is None:
        raise FileNotFoundError(compiler)
    real = os.path.realpath(path)
    st = os.stat(real)
    return f"{real}\0{st.st_size}\0{st.st_mtime_ns}"


def cached_object(compiler: str, identity: str, options: list[str], source: str, cwd: str | None = None,
                  err: BinaryIO | None = None) -> tuple[str | None, int]:
    """The cached object of ``source`` (relative to ``cwd``, default the current directory;
    compiling it on a miss), or (None, exit status) when it does not compile (its errors already
    written to ``err``, default stderr). A caller in Python (`backends.l2_reserve`) calls this
    directly, without a wrapper process."""
    out = sys.stderr.buffer if err is None else err
    here = os.getcwd() if cwd is None else cwd
    # -fno-working-directory: with -g the preprocessor writes the current directory into its output
    # (a '# 0 "/tmp/.../"' line marker), which would make every app directory a different key; the
    # object's own record of it is mapped away below (-fdebug-prefix-map)
    pre = subprocess.run([compiler, *options, "-fno-working-directory", "-E", source], capture_output=True, cwd=here)
    if pre.returncode != 0:
        out.write(pre.stderr)
        return None, pre.returncode
    h = hashlib.sha256()
    for part in (identity, "\0".join(key_options(options)), source):
        h.update(part.encode() + b"\0\1")
    h.update(pre.stdout)
    digest = h.hexdigest()
    d = cache_dir() / digest[:2]
    obj = d / f"{digest}.o"
    if obj.exists():
        return str(obj), 0
    d.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=f".{digest[:16]}.", suffix=".o")
    os.close(fd)
    try:
        r = subprocess.run([compiler, *options, f"-fdebug-prefix-map={here}=.", "-c", source, "-o", tmp],
                           capture_output=True, cwd=here)
        out.write(r.stderr)
        if r.returncode != 0:
            return None, r.returncode
        if r.stderr:  # warnings that did not fail the build: compiled fine, but not kept, so they recur
            kept = d / f".{digest}.{os.getpid()}.once.o"
            os.replace(tmp, kept)
            return str(kept), 0
        os.replace(tmp, obj)  # atomic: a parallel reader sees the whole object or none
        return str(obj), 0
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def compile_only(compiler: str, args: list[str]) -> int | None:
    """``COMPILER ... -c runtime/X.c -o OUT`` (one runtime source compiled alone, as
    `backends.l2_reserve` measures a GAP8/GAP9 app's objects) from the cache: OUT is a copy of the
    cached object; the exit status, or None when the command is not of that form."""
    rest = [a for a in args if a != "-c"]
    if len(rest) != len(args) - 1:
        return None
    parsed = split(rest)
    if parsed is None or len(parsed[1]) != 1:
        return None
    options, [(_, src)], output = parsed
    if not cached_source(src) or output is None:
        return None
    obj, rc = cached_object(compiler, compiler_identity(compiler), options, src)
    if obj is None:
        return rc
    shutil.copyfile(obj, output)
    if os.path.basename(obj).endswith(".once.o"):
        os.unlink(obj)
    return 0


def main(argv: list[str]) -> int:
    """Run ``argv[1:]`` (a compiler and its arguments), through the cache where the command is an
    app's compile-and-link of runtime sources (or one runtime source compiled alone:
    `compile_only`); the compiler's exit status."""
    if len(argv) < 2:
        print("usage: cc_cache.py COMPILER ARGS...", file=sys.stderr)
        return 2
    compiler, args = argv[1], argv[2:]
    if os.environ.get("DORY_CC_CACHE", "1") != "0" and "-c" in args:
        rc = compile_only(compiler, args)
        if rc is not None:
            return rc
    parsed = None if os.environ.get("DORY_CC_CACHE", "1") == "0" else split(args)
    if parsed is None:
        return subprocess.run([compiler, *args]).returncode
    options, sources, output = parsed
    identity = compiler_identity(compiler)
    with tempfile.TemporaryDirectory(prefix="dory-cc-") as tmp:

        def build(item: tuple[int, tuple[int, str]]) -> tuple[str | None, int, bytes]:
            """(object, exit status, the compiler's messages) of one source: from the cache, or
            compiled alone like gcc compiles each source of a command before it links them."""
            i, (_, src) = item
            err = io.BytesIO()
            if cached_source(src):
                obj, rc = cached_object(compiler, identity, options, src, err=err)
                return obj, rc, err.getvalue()
            obj = os.path.join(tmp, f"{i}.o")
            r = subprocess.run([compiler, *options, "-c", src, "-o", obj], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
            return (obj if r.returncode == 0 else None), r.returncode, r.stderr

        from concurrent.futures import ThreadPoolExecutor  # only a link command needs it (it loads logging)

        # the sources are independent compiles: side by side (the app's network.c and main, not
        # cached, are most of a measuring link's time), their messages in command-line order
        with ThreadPoolExecutor(jobs()) as pool:
            built = list(pool.map(build, enumerate(sources)))
        for _, _, msg in built:
            sys.stderr.buffer.write(msg)
        sys.stderr.buffer.flush()
        once = [obj for obj, _, _ in built if obj is not None and os.path.basename(obj).endswith(".once.o")]
        try:
            failed = [rc for _, rc, _ in built if rc != 0]
            if failed:
                return failed[0]
            inputs = list(options)
            # Objects go back where their sources were among the options (gcc links its inputs in
            # command-line order).
            for (pos, _), (obj, _, _) in reversed(list(zip(sources, built))):
                inputs.insert(pos, obj)  # type: ignore[arg-type]
            return subprocess.run([compiler, *inputs, "-o", output]).returncode
        finally:
            for o in once:
                os.unlink(o)


def jobs() -> int:
    """How many compiles run at once (`main`, `backends.l2_reserve`): the CPUs this process may use,
    at most 4."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(4, n))


def install_env(env: dict[str, str] | os._Environ[str]) -> None:
    """Point the app Makefiles' compilers (host ``CC``, the riscv Makefiles' ``CROSS`` prefix) at this
    wrapper in ``env``, unless ``DORY_CC_CACHE=0`` or a path holds a space (make splits on it)."""
    here = Path(__file__).resolve()
    if env.get("DORY_CC_CACHE", "1") == "0" or " " in sys.executable or " " in str(here):
        return
    wrapper = f"{sys.executable} {here}"
    if not env.get("CC", "").startswith(wrapper):
        env["CC"] = f"{wrapper} {env.get('CC', 'cc')}"
    if not env.get("CROSS", "").startswith(wrapper):
        env["CROSS"] = f"{wrapper} {env.get('CROSS', 'riscv64-unknown-elf-')}"


if __name__ == "__main__":
    sys.exit(main(sys.argv))
