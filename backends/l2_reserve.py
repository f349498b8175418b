"""The L2 an app takes beside the network's L2 arena (code, static data, stacks), measured by linking
the app, and planning with it.

A plan leaves ``Target.l2_reserved_bytes`` of L2 for everything but the arena; that figure is a
guess, and a runtime that grows outruns it (the RV32 app of our DroNet needs ~190 KB of L2 for its
code and data, not GAP8's 64 KiB). Where the app's Makefile can link it (``--target rv32`` and
``pulp``, with Debian's riscv64-unknown-elf-gcc) its ``l2-reserve`` rule links the app as written
with an empty L2 arena and prints what the L2 region then holds: that is the reserve, exactly, for
this network's tables, input and expected output and this runtime.

GAP8 and GAP9 apps cannot be linked here (their main and port include the GAP SDK's PMSIS headers;
the SDK is not installed): `measure_objects` compiles every object their ``Makefile.<chip>`` builds
(its ``APP_SRCS``, with its ``APP_CFLAGS``) with the same cross compiler, the PMSIS port and main
against ``runtime/port/pmsis/pmsis_api.h`` instead of the SDK (``-DDORY_HAVE_PMSIS`` dropped), for
``PROXY_ARCH`` (Debian's GCC has no ``-march`` for GAP8/GAP9's Xpulp cores: RV32IMC with the
runtime's ``DORY_XPULPV2`` ``.insn`` path, whose fairness ``backends/gap8/hw.py`` argues), and sums
the objects' allocated sections (``size -A``: ``SECTIONS``); the reserve is that sum plus the
target's ``l2_sdk_allowance_bytes`` (the SDK's OS, drivers, libc and heap, cited in its ``hw.py``)
in the target's ``l2_bytes``. The runtime's objects are the same for every network: they are
measured once per process and, with the object cache, once per machine (`_runtime_object_bytes`
keeps each figure beside the cached objects, keyed by the compiler, its C library, the flags and
the runtime's contents); the app's own sources are compiled side by side. The compiler is
``$(CROSS)gcc`` as in the Makefiles (``CROSS`` from the environment, default
``riscv64-unknown-elf-``). Every measuring build goes through the runtime's object cache
(`backends.cc_cache`, in the user's cache directory), so only the first one on a machine compiles
the kernels.

`plan_to_fit` plans with the target's default first, measures, and when the arena and the measured
reserve overflow the L2 region re-plans with the L2 budget that leaves exactly the measured reserve
(less ``MARGIN`` for the tables of the new plan), measuring again (a second re-plan only if the
first's tables grew past the margin). Without the cross compiler (or when the measuring build
fails) the target keeps the static estimate of its ``hw.py``, and says so.
"""

from __future__ import annotations

import glob
import hashlib
import io
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from dory.backends.gap8.app import AppFiles, write_app
from dory.backends.gap8.emit import EmittedNetwork

LINKED = {"rv32": "Makefile.rv32", "pulp": "Makefile.pulp"}
"""App targets whose Makefile has the ``l2-reserve`` rule, and that Makefile."""

COMPILED = ("gap8", "gap9")
"""App targets measured by compiling their objects (`measure_objects`): their SDK is not here."""

COMPILER = "riscv64-unknown-elf-gcc"
"""The cross compiler the Makefiles use (their ``CROSS`` default)."""

SIZE = "riscv64-unknown-elf-size"
"""Its ``size``, whose ``-A`` listing `section_bytes` reads."""

PROXY_ARCH = ("-march=rv32imc", "-mabi=ilp32", "-DDORY_XPULPV2", "-ffunction-sections", "-fdata-sections")
"""The GAP8/GAP9 cores' ISA as Debian's GCC knows it: RV32IMC, the kernels' Xpulpv2 instructions as
the runtime's ``.insn`` words (runtime/include/dory/simd.h; why this is a fair proxy of the GAP SDK's
``-march=rv32imcxgap8`` build: backends/gap8/hw.py); and the section flags the SDK's rules add to
every compile."""

LIBC = ("-specs=picolibc.specs",)
"""Where ``stdio.h`` / ``string.h`` come from for the compile (picolibc's headers; nothing is linked)."""

SECTIONS = (".text", ".rodata", ".srodata", ".data", ".sdata", ".bss", ".sbss")
"""Allocated sections (and every ``NAME*`` of them, e.g. ``.text.f``, ``.text_dory_tail``) counted
as the app's L2: code, constants, initialised and zeroed data (the GAP SDK's link scripts put all
of them in L2)."""

ALIGN = 64
"""Slack for the arena's alignment in the L2 region (the ports align it to 64 bytes at most)."""

MARGIN = 2048
"""L2 left over when re-planning: a new plan's tables (more L3 transfers) may take a little more."""


@dataclass(frozen=True)
class L2Reserve:
    """What an app's L2 holds beside the arena."""

    reserve: int
    """Bytes of L2 taken by everything but the network's L2 arena."""

    region: int
    """The L2 region's size (0 when not measured)."""

    measured: bool
    """True when linked; False for the target's static estimate."""

    how: str
    """Where the figure comes from, for the summary."""


@dataclass(frozen=True)
class L2Fit:
    """The outcome of `plan_to_fit`: the reserve used and what planning did with it."""

    reserve: L2Reserve
    budget: int | None
    """The L2 budget of the last re-plan, None when the first plan was kept."""

    first_arena: int
    """The first plan's L2 arena."""

    arena: int
    """The final plan's L2 arena."""

    fits: bool
    """The arena and the reserve fit the L2 region (always True for a static estimate)."""

    def summary(self) -> str:
        """The summary's line on L2."""
        r = self.reserve
        if not r.measured:
            return f"L2 reserve {r.reserve} B ({r.how}); arena {self.arena} B"
        line = (f"L2 reserve {r.reserve} B ({r.how}) + arena {self.arena} B of the {r.region}-byte L2 region"
                + ("" if self.fits else ": DOES NOT FIT"))
        if self.budget is not None:
            line += (f"; re-planned with an L2 budget of {self.budget} B (the default plan's {self.first_arena}-byte "
                     "arena did not fit beside the reserve)")
        return line

    def fix_hint(self, pipeline: str) -> str:
        """For a plan that does not fit: the budget that would."""
        n = self.reserve.region - self.reserve.reserve - ALIGN - MARGIN
        return f"plan with an L2 budget of at most {n} B (assign-memory{{l2={n}}}, allocate-buffers{{l2={n}}} in '{pipeline}')"


def section_bytes(size_a: str) -> int:
    """The bytes of the `SECTIONS` in ``size -A`` output (one object or several: every
    ``name size addr`` row counts once; headers and ``Total`` lines are skipped)."""
    total = 0
    for line in size_a.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit() and parts[0].startswith(SECTIONS):
            total += int(parts[1])
    return total


def _env() -> dict[str, str]:
    """The environment of the measuring builds: ours, with ``CROSS`` (and ``CC``) through the runtime's
    object cache (`backends.cc_cache`: the runtime's kernels, ~90 % of an app's compile time, are
    compiled once per compiler, flags and preprocessed source, then reused by every later
    measurement and run; the objects, so the sizes, are the ones a plain build makes), unless
    ``DORY_CC_CACHE=0``, its directory cannot be made or ``$(CROSS)gcc`` names no program."""
    from dory.backends import cc_cache

    env = dict(os.environ)
    if _cache_usable(_gcc(env)[-1]):  # a CROSS naming no program fails as it would unwrapped
        cc_cache.install_env(env)
    return env


def _cache_usable(compiler: str) -> bool:
    """Whether builds with ``compiler`` go through the object cache: not with ``DORY_CC_CACHE=0``,
    a compiler that is not there or a cache directory that cannot be made."""
    from dory.backends import cc_cache

    if os.environ.get("DORY_CC_CACHE", "1") == "0" or shutil.which(compiler) is None:
        return False
    try:
        cc_cache.cache_dir().mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return True


def _cross(env: dict[str, str] | None = None) -> list[str]:
    """``$(CROSS)`` as the Makefiles expand it in ``env`` (default: ours): its ``CROSS`` (a prefix,
    possibly a wrapper command before it), else ``riscv64-unknown-elf-``."""
    return shlex.split((os.environ if env is None else env).get("CROSS", COMPILER.removesuffix("gcc")))


def _gcc(env: dict[str, str] | None = None) -> list[str]:
    """``$(CROSS)gcc`` of ``env`` as an argument list (a wrapper command, such as the object cache
    `backends.cc_cache`, stays in front)."""
    cross = _cross(env)
    return cross[:-1] + [cross[-1] + "gcc"]


def makefile_build(app: AppFiles, app_target: str) -> tuple[list[str], list[str]]:
    """(``APP_SRCS``, ``APP_CFLAGS``) of the app's ``Makefile.<app_target>`` (GAP SDK rules), the
    sources as written (``$(wildcard X)`` kept for the caller to expand)."""
    mk = str(app.files[f"Makefile.{app_target}"])
    srcs = re.search(r"^APP_SRCS\s*\+?=\s*(.*)$", mk, re.M)
    flags = re.search(r"^APP_CFLAGS\s*\+?=\s*(.*)$", mk, re.M)
    if srcs is None or flags is None:
        raise RuntimeError(f"Makefile.{app_target} has no APP_SRCS / APP_CFLAGS line")
    return re.findall(r"\$\(wildcard [^)]*\)|\S+", srcs.group(1)), flags.group(1).split()


def _expand(sources: list[str], root: Path) -> list[str]:
    """Expand ``$(wildcard X)`` in ``root`` (sorted, relative) as make would."""
    out: list[str] = []
    for s in sources:
        m = re.fullmatch(r"\$\(wildcard ([^)]*)\)", s)
        if m is None:
            out.append(s)
        else:
            out += sorted(os.path.relpath(p, root) for pat in m.group(1).split() for p in glob.glob(str(root / pat)))
    return out


_RUNTIME_BYTES: dict[str, int] = {}
"""`_runtime_object_bytes`'s memo: key -> the object's counted bytes."""


def _object_cache(cc: list[str]) -> tuple[str, str] | None:
    """(compiler, its `cc_cache.compiler_identity`) when `measure_objects` compiles through the
    object cache in this process (as `_env` would wrap a make: not with ``DORY_CC_CACHE=0``, an
    unusable cache directory or a compiler that is not there), else None."""
    from dory.backends import cc_cache

    compiler = cc[-1]
    return (compiler, cc_cache.compiler_identity(compiler)) if _cache_usable(compiler) else None


def _object_bytes(cc: list[str], flags: list[str], src: str, d: Path, cache: tuple[str, str] | None = None) -> int:
    """Compile ``src`` (relative to ``d``) to an object and return its `SECTIONS` bytes; through the
    object cache (`_object_cache`) when ``cache`` is given and the source is one it keeps. Raises
    RuntimeError with the compiler's output when it does not compile."""
    from dory.backends import cc_cache

    obj = d / ".l2-reserve" / (src.replace("/", "_") + ".o")
    obj.parent.mkdir(exist_ok=True)
    try:
        if cache is not None and cc_cache.cached_source(src):
            err = io.BytesIO()
            got, _ = cc_cache.cached_object(cache[0], cache[1], flags, src, cwd=str(d), err=err)
            if got is None:
                raise RuntimeError(f"cannot compile {src} to measure the app's L2 reserve:\n"
                                   f"{err.getvalue().decode(errors='replace')[-3000:]}")
            if os.path.basename(got).endswith(".once.o"):  # compiled with warnings: not kept in the cache
                shutil.move(got, obj)
            else:
                shutil.copyfile(got, obj)
        else:
            r = subprocess.run([*cc, *flags, "-c", src, "-o", str(obj)], cwd=d, capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(f"cannot compile {src} to measure the app's L2 reserve:\n{(r.stdout + r.stderr)[-3000:]}")
        # size is not a compiler: the CROSS prefix without a wrapper command before it
        z = subprocess.run([_cross()[-1] + "size", "-A", str(obj)], capture_output=True, text=True)
    except OSError as e:  # a CROSS naming no program
        raise RuntimeError(f"error: cannot run the cross tools to measure the app's L2 reserve: {e}") from None
    if z.returncode != 0:
        raise RuntimeError(f"error: size -A {obj} failed:\n{z.stderr[-1000:]}")
    return section_bytes(z.stdout)


def _runtime_digest(d: Path) -> bytes:
    """A digest of every file of the app's ``runtime/`` copy (any runtime source may include any
    of its headers)."""
    h = hashlib.sha256()
    for p in sorted((d / "runtime").rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(d)).encode() + b"\0" + p.read_bytes())
    return h.digest()


BYTES_CACHE_VERSION = "1"
"""Bumped when what a cached runtime figure means changes (the key also holds `SECTIONS`)."""


def _libc_identity(compiler: str, flags: list[str]) -> str:
    """The identity (resolved path, size, mtime) of every ``-specs=FILE`` in ``flags`` as
    ``compiler`` finds it (picolibc's specs: its headers are part of every object; a reinstalled C
    library is a new key), memoised per process."""
    specs = tuple(f.split("=", 1)[1] for f in flags if f.startswith("-specs="))
    key = (compiler, specs)
    if key not in _LIBC_IDENTITY:
        parts = []
        for spec in specs:
            r = subprocess.run([compiler, f"-print-file-name={spec}"], capture_output=True, text=True)
            path = os.path.realpath(r.stdout.strip()) if r.returncode == 0 else spec
            try:
                st = os.stat(path)
                parts.append(f"{path}\0{st.st_size}\0{st.st_mtime_ns}")
            except OSError:
                parts.append(f"{path}\0missing")
        _LIBC_IDENTITY[key] = "\0\1".join(parts)
    return _LIBC_IDENTITY[key]


_LIBC_IDENTITY: dict[tuple[str, tuple[str, ...]], str] = {}
"""`_libc_identity`'s memo."""


def _bytes_cache_file(key: str, cc: list[str], flags: list[str], cache: tuple[str, str]) -> Path:
    """Where the persistent cache keeps a runtime object's measured bytes: in the object cache's
    directory (`cc_cache.cache_dir`), keyed by the per-process key (compiler command, flags, source,
    the runtime's digest) plus the compiler's and its C library's identities and what is counted."""
    from dory.backends import cc_cache

    h = hashlib.sha256()
    for part in (BYTES_CACHE_VERSION, key, cache[1], _libc_identity(cache[0], flags), "\0".join(SECTIONS)):
        h.update(part.encode() + b"\0\1")
    digest = h.hexdigest()
    return cc_cache.cache_dir() / "l2-bytes" / digest[:2] / digest


def _read_cached_bytes(path: Path) -> int | None:
    """A cached figure, or None when it is missing or not one (a damaged entry is ignored)."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if re.fullmatch(r"\d+\n", text) else None


def _write_cached_bytes(path: Path, n: int) -> None:
    """Keep ``n`` at ``path`` atomically (a temporary file renamed into place: a parallel reader sees
    the whole figure or none); a cache that cannot be written is only slower."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:16]}.")
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(f"{n}\n")
        os.replace(tmp, path)
    except OSError:
        pass


def _runtime_object_bytes(cc: list[str], flags: list[str], src: str, d: Path, runtime: bytes,
                          cache: tuple[str, str] | None = None) -> int:
    """`_object_bytes` of a runtime source (``runtime/...``), once per process for the same compiler,
    flags and runtime (``runtime``: its `_runtime_digest`), and once per machine with the object
    cache (``cache``): the figure is kept beside the objects (`_bytes_cache_file`), so a later
    dory-compile neither preprocesses nor sizes the runtime's sources again (0.2 s of a GAP8
    compile). The runtime includes none of the app's files (its sources and headers are all under
    runtime/, which the digest covers, and the C library's, which the key's identities cover)."""
    key = hashlib.sha256("\0".join([*cc, *flags, src]).encode() + b"\0" + runtime).hexdigest()
    if key not in _RUNTIME_BYTES:
        path = _bytes_cache_file(key, cc, flags, cache) if cache is not None else None
        n = _read_cached_bytes(path) if path is not None else None
        if n is None:
            n = _object_bytes(cc, flags, src, d, cache)
            if path is not None:
                _write_cached_bytes(path, n)
        _RUNTIME_BYTES[key] = n
    return _RUNTIME_BYTES[key]


def measure_objects(app: AppFiles, app_target: str) -> L2Reserve:
    """Compile every object of ``app`` (written for ``app_target``, a `COMPILED` chip) as its
    ``Makefile.<chip>`` would, less the SDK (see the module docstring), and return the reserve:
    the objects' bytes plus the target's SDK allowance, in its L2. Raises RuntimeError when a
    source does not compile."""
    from concurrent.futures import ThreadPoolExecutor  # here: it loads logging, 10-20 ms a host compile need not pay

    from dory.backends import cc_cache
    from dory.backends.target import get_target

    target = get_target(app_target)
    allowance = target.l2_sdk_allowance_bytes or 0
    with tempfile.TemporaryDirectory(prefix="dory-l2-reserve-") as tmp:
        d = Path(tmp) / "app"
        write_app(str(d), app)
        sources, flags = makefile_build(app, app_target)
        flags = [*PROXY_ARCH, *LIBC, *(f for f in flags if f != "-DDORY_HAVE_PMSIS")]
        cc = _gcc()
        cache = _object_cache(cc)  # in this process: no wrapper process a source
        runtime = _runtime_digest(d)

        def one(s: str) -> int:
            if s.startswith("runtime/"):
                return _runtime_object_bytes(cc, flags, s, d, runtime, cache)
            return _object_bytes(cc, flags, s, d, cache)

        # the compiles are independent processes: run them side by side (the app's own network.c,
        # main and data.c are ~0.3 s of compiling)
        with ThreadPoolExecutor(cc_cache.jobs()) as pool:
            objects = sum(pool.map(one, _expand(sources, d)))
    arch = " ".join(a for a in PROXY_ARCH if a.startswith("-march"))
    return L2Reserve(objects + allowance, target.l2_bytes, True,
                     f"{objects} B of the app's objects compiled here ({arch} proxy, Makefile.{app_target}'s flags) "
                     f"+ {allowance} B allowance for the GAP SDK (backends/{app_target}/hw.py)")


def static_reserve(planning_target: str, why: str) -> L2Reserve:
    """The target's hand-set ``l2_reserved_bytes``, saying why it is used."""
    from dory.backends.target import get_target

    return L2Reserve(get_target(planning_target).l2_reserved_bytes, 0, False,
                     f"static estimate of backends/{planning_target}/hw.py: {why}")


def can_measure(app_target: str) -> bool:
    """The app's L2 reserve can be measured here: its Makefile's rule links it (`LINKED`) or its
    objects compile (`COMPILED`), and the cross compiler (and make, or size) is installed."""
    if app_target in COMPILED:
        return shutil.which(COMPILER) is not None and shutil.which(SIZE) is not None
    return app_target in LINKED and shutil.which(COMPILER) is not None and shutil.which("make") is not None


def measure(app: AppFiles, app_target: str) -> L2Reserve:
    """Link ``app`` (as `backends.gap8.app.app_files` wrote it for ``app_target``) with an empty L2
    arena in a temporary directory and return what the L2 region then holds; for a `COMPILED`
    chip, `measure_objects`. Raises RuntimeError with the linker's (compiler's) output when the
    link (a compile) itself fails."""
    if app_target in COMPILED:
        return measure_objects(app, app_target)
    makefile = LINKED[app_target]
    with tempfile.TemporaryDirectory(prefix="dory-l2-reserve-") as tmp:
        d = Path(tmp) / "app"
        write_app(str(d), app)
        r = subprocess.run(["make", "-s", "-C", str(d), "-f", makefile, "l2-reserve"], capture_output=True, text=True,
                           env=_env())
    m = re.search(r"l2 reserve: (\d+) of (\d+) bytes", r.stdout)
    if r.returncode != 0 or m is None:
        raise RuntimeError(f"cannot measure the app's L2 reserve (make -f {makefile} l2-reserve, exit {r.returncode}):\n"
                           + (r.stdout + r.stderr)[-3000:])
    return L2Reserve(int(m.group(1)), int(m.group(2)), True, f"all but the arena, linked: make -f {makefile} l2-reserve")


def plan_to_fit(build: Callable[[int | None], tuple[EmittedNetwork, AppFiles]], app_target: str, planning_target: str,
                replan: bool = True) -> tuple[EmittedNetwork, AppFiles, L2Fit]:
    """Plan, emit and write the app with ``build(None)`` (the default budget); where the app can be
    linked here, measure its L2 reserve and, if ``replan`` and the arena does not fit beside it,
    call ``build(budget)`` with the L2 budget that does (at most twice). Returns the final network,
    app and the `L2Fit`; raises ValueError when the reserve alone leaves no L2 for the arena."""
    net, app = build(None)
    first = net.l2_bytes
    if not can_measure(app_target):
        why = (f"no {COMPILER} to link the app with" if app_target in LINKED
               else f"no {COMPILER} / {SIZE} to compile the app's objects with" if app_target in COMPILED
               else "the host build" if app_target == "host" else f"no {app_target} toolchain here to link the app with")
        return net, app, L2Fit(static_reserve(planning_target, why), None, first, net.l2_bytes, True)
    try:
        r = measure(app, app_target)
    except RuntimeError as e:  # the app does not link even without its L2 arena (an L1 overflow, say), or a source does not compile
        lines = [ln for ln in str(e).splitlines() if "overflowed" in ln or "error" in ln] or str(e).splitlines()[-1:]
        step = "compile" if app_target in COMPILED else "link"
        return net, app, L2Fit(static_reserve(planning_target, f"the measuring {step} failed: {lines[0].strip()}"),
                               None, first, net.l2_bytes, True)
    budget = None
    for _ in range(2):
        if not replan or net.l2_bytes + r.reserve + ALIGN <= r.region:
            break
        over = net.l2_bytes + r.reserve + ALIGN - r.region
        budget = r.region - r.reserve - ALIGN - MARGIN if budget is None else budget - over - MARGIN
        if budget <= 0:  # e.g. --weights-c-array puts the whole blob in L2 beside the code
            raise ValueError(f"{app_target}: the app's code and data take {r.reserve} B of the {r.region}-byte L2 region "
                             f"({r.how}): no room is left for the network's L2 arena")
        net, app = build(budget)
        r = measure(app, app_target)
    return net, app, L2Fit(r, budget, first, net.l2_bytes, net.l2_bytes + r.reserve + ALIGN <= r.region)


__all__ = ["COMPILED", "L2Reserve", "L2Fit", "LINKED", "can_measure", "makefile_build", "measure", "measure_objects",
           "plan_to_fit", "section_bytes", "static_reserve"]
