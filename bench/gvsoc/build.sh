#!/usr/bin/env bash
# Build GVSOC (PULP's cycle-approximate simulator, pulp-open target only) at pinned commits into a
# cache directory, reproducibly:
#
#   bench/gvsoc/build.sh [--mirrors DIR] [--cache DIR] [--jobs N] [--force] [--trace]
#
#   --mirrors DIR  take every repository from a local git directory DIR/<owner>+<name> (or
#                  DIR/<owner>+<name>/repo, or DIR/<owner>+<name>.git) instead of GitHub
#                  (env GVSOC_MIRRORS); default: the upstream https://github.com URLs
#   --cache DIR    where sources, venv, build tree and install go (env GVSOC_CACHE,
#                  default $HOME/.cache/dory/gvsoc); the result is DIR/install
#   --jobs N       parallel compile jobs (env GVSOC_JOBS, default 2)
#   --force        rebuild even if DIR/install already holds this exact build
#   --trace        also build GVSOC's debug launcher, which --trace=... (instruction traces, the
#                  profiler bench/gvsoc/profile.py reads) needs; ~4.5 min more. Use another
#                  --cache for it: the plain build is the one the figures were measured with.
#
# The result: DIR/install/bin/gvsoc runs without activating anything (its Python entry points are
# pointed at the venv DIR/venv), e.g. `DIR/install/bin/gvsoc --target=pulp-open --binary x.elf run`;
# DIR/install/COMMITS records every commit and configure flag used. A second run with the same
# pins reuses the install and exits at once. docs/gvsoc.md explains the pins and how to run.
set -euo pipefail

# ---- The pins: the one place that names them (docs/gvsoc.md points here). ---------------------
# The superproject, then each submodule path with its repository and the commit the superproject
# records for it; the script checks that the superproject's gitlinks agree with this table.
SUPER_REPO=gvsoc/gvsoc
SUPER_COMMIT=209c147cbd293d5c1590694e68c489122c777acc   # 2026-03-17
SUBMODULES=(
  "core   gvsoc/gvsoc-core f3784bc995ac3b8b036ffea2f78e240b738998b5"
  "pulp   gvsoc/gvsoc-pulp 748a706dbe767752a9c5f713c87875db1ff57d7c"
  "gvrun  gvsoc/gvrun      7d26e6fcbaea6f50ee8a6d966d7a2c4cce75b487"
  "gvtest gvsoc/gvtest     39785acc7814fa8af0ff5a965c0f3de98fdf158e"
  "pulpos gvsoc/pulpos     8cd918a42a13fcd40265aa944274c018df20ca70"
)
# What the launcher and the build-time config generators import (gvsoc's requirements.txt lists
# more, for hardware boards; these are the ones the pulp-open flow needs: gvrun imports psutil,
# gvtest pexpect).
PY_PACKAGES=(mako pyyaml pyelftools prettytable rich hjson typing_extensions six psutil pexpect)
TARGETS=pulp-open

die() { echo "gvsoc build: error: $*" >&2; exit 1; }
note() { echo "gvsoc build: $*" >&2; }

MIRRORS=${GVSOC_MIRRORS:-}
CACHE=${GVSOC_CACHE:-$HOME/.cache/dory/gvsoc}
JOBS=${GVSOC_JOBS:-2}
FORCE=0
DEBUG=OFF
while [ $# -gt 0 ]; do
  case "$1" in
    --mirrors) [ $# -ge 2 ] || die "--mirrors needs a directory"; MIRRORS=$2; shift 2 ;;
    --cache)   [ $# -ge 2 ] || die "--cache needs a directory"; CACHE=$2; shift 2 ;;
    --jobs)    [ $# -ge 2 ] || die "--jobs needs a number"; JOBS=$2; shift 2 ;;
    --force)   FORCE=1; shift ;;
    --trace)   DEBUG=ON; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
# Release, no profiler and no debug build unless --trace (BUILD_DEBUG=ON: the launcher that --trace=... needs).
CMAKE_OPTIONS=(-DCMAKE_BUILD_TYPE=Release -DGVSOC_TARGETS="$TARGETS" -DBUILD_PROFILE=OFF
               -DBUILD_DEBUG=$DEBUG -DCMAKE_SKIP_INSTALL_RPATH=false)

[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "--jobs wants a positive integer, got '$JOBS'"
[ -z "$MIRRORS" ] || [ -d "$MIRRORS" ] || die "mirror directory '$MIRRORS' does not exist"
mkdir -p "$CACHE" || die "cannot create cache directory '$CACHE'"
CACHE=$(cd "$CACHE" && pwd -P)   # physical: git reports physical paths
SRC=$CACHE/src VENV=$CACHE/venv BUILD=$CACHE/build INSTALL=$CACHE/install

# ---- Dependencies: one line each, before any work. ----------------------------------------------
RVCC=${RVCC:-riscv64-unknown-elf-gcc}
command -v git >/dev/null || die "git not found (apt-get install git)"
command -v cmake >/dev/null || die "cmake not found; GVSOC needs cmake >= 3.16 (apt-get install cmake)"
cmake_version=$(cmake --version | sed -n '1s/[^0-9]*\([0-9][0-9.]*\).*/\1/p')
printf '3.16\n%s\n' "$cmake_version" | sort -V -C \
  || die "cmake $cmake_version is too old; GVSOC needs cmake >= 3.16"
command -v g++ >/dev/null || die "g++ not found; GVSOC needs a C++17 compiler (apt-get install g++)"
echo 'int main() { if constexpr (true) return 0; }' \
  | g++ -std=c++17 -x c++ - -o /dev/null 2>/dev/null || die "g++ cannot compile C++17"
command -v make >/dev/null || die "make not found (apt-get install make)"
command -v python3 >/dev/null || die "python3 not found"
python3 -c 'import venv, ensurepip' 2>/dev/null \
  || die "python3 cannot create venvs (apt-get install python3-venv)"
# Not needed to build GVSOC, but nothing runs on it without a RISC-V compiler: say so now.
command -v "$RVCC" >/dev/null \
  || die "$RVCC not found; programs for GVSOC need it (apt-get install gcc-riscv64-unknown-elf, or set RVCC)"

# ---- The record of this build: compared with an existing install to decide on reuse. -----------
commits_record() {
  echo "# GVSOC built by dory's bench/gvsoc/build.sh: repository commit path"
  echo "$SUPER_REPO $SUPER_COMMIT ."
  local line path repo commit
  for line in "${SUBMODULES[@]}"; do
    read -r path repo commit <<<"$line"
    echo "$repo $commit $path"
  done
  echo "cmake ${CMAKE_OPTIONS[*]}"
  echo "python ${PY_PACKAGES[*]}"
}
WANT=$(commits_record)
if [ "$FORCE" = 0 ] && [ -x "$INSTALL/bin/gvsoc" ] && [ -x "$VENV/bin/python" ] \
   && [ "$(grep -v '^#' "$INSTALL/COMMITS" 2>/dev/null)" = "$(grep -v '^#' <<<"$WANT")" ]; then
  note "up to date: $INSTALL (same commits and flags as $INSTALL/COMMITS)"
  echo "$INSTALL"
  exit 0
fi

# ---- Sources. -----------------------------------------------------------------------------------
# Where repository owner/name comes from: a local git directory under --mirrors, else GitHub.
repo_url() {
  local repo=$1 d
  if [ -z "$MIRRORS" ]; then echo "https://github.com/$repo.git"; return; fi
  for d in "$MIRRORS/${repo/\//+}/repo" "$MIRRORS/${repo/\//+}" "$MIRRORS/${repo/\//+}.git"; do
    if git --git-dir="$d" rev-parse --git-dir >/dev/null 2>&1; then (cd "$d" && pwd); return; fi
  done
  die "no git directory for $repo under $MIRRORS (looked for ${repo/\//+}/repo, ${repo/\//+}, ${repo/\//+}.git)"
}

# Check out repo at commit into dir (reusing a previous clone that has the commit). Snapshot
# mirrors may lack a few large blobs; files whose blob is absent are left out of the checkout by
# a sparse pattern and named, and the build fails later if one of them was actually needed.
ABSENT=()
checkout() {
  local repo=$1 commit=$2 dir=$3 url
  url=$(repo_url "$repo")
  if ! git -C "$dir" cat-file -e "$commit^{commit}" 2>/dev/null \
     || [ "$(git -C "$dir" rev-parse --show-toplevel 2>/dev/null)" != "$dir" ]; then
    rm -rf "$dir"
    note "fetching $repo from $url"
    git clone -q --no-checkout "$url" "$dir" || die "cannot clone $repo from $url"
    git -C "$dir" cat-file -e "$commit^{commit}" 2>/dev/null \
      || die "$repo has no commit $commit (source: $url)"
  fi
  local missing=() path absent_shas
  # One cat-file for the whole tree: it answers "<sha> missing" for each absent blob.
  absent_shas=$(git -C "$dir" ls-tree -r "$commit" | awk '$2 == "blob" { print $3 }' \
    | git -C "$dir" cat-file --batch-check='%(objectname)' | awk '$2 == "missing" { print $1 }')
  if [ -n "$absent_shas" ]; then
    mapfile -t missing < <(git -C "$dir" ls-tree -r "$commit" | awk -F '\t' -v shas="$absent_shas" '
      BEGIN { n = split(shas, a, "\n"); for (i = 1; i <= n; i++) absent[a[i]] = 1 }
      { split($1, f, " "); if (f[3] in absent) print $2 }')
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    git -C "$dir" config core.sparseCheckout true
    { echo '/*'; printf '!/%s\n' "${missing[@]}"; } >"$(git -C "$dir" rev-parse --absolute-git-dir)/info/sparse-checkout"
    for path in "${missing[@]}"; do ABSENT+=("$repo:$path"); note "absent from $url, not checked out: $path"; done
  fi
  git -C "$dir" checkout -q --force --detach "$commit" 2>/dev/null \
    || die "cannot check out $repo $commit in $dir"
  [ "$(git -C "$dir" rev-parse HEAD)" = "$commit" ] || die "$dir is not at $commit after checkout"
}

t0=$(date +%s)
checkout "$SUPER_REPO" "$SUPER_COMMIT" "$SRC"
# The superproject's gitlinks must be exactly the pinned submodules: a moved pin fails loudly.
recorded=$(git -C "$SRC" ls-tree -r "$SUPER_COMMIT" | awk '$2 == "commit" { print $4, $3 }' | sort)
pinned=$(for line in "${SUBMODULES[@]}"; do read -r p _ c <<<"$line"; echo "$p $c"; done | sort)
[ "$recorded" = "$pinned" ] || die "$SUPER_REPO $SUPER_COMMIT records submodules
$recorded
but this script pins
$pinned"
for line in "${SUBMODULES[@]}"; do
  read -r path repo commit <<<"$line"
  checkout "$repo" "$commit" "$SRC/$path"
done

# ---- Python venv for the build-time generators and the launcher. ---------------------------------
if ! "$VENV/bin/python" -c 'import mako, yaml, elftools, prettytable, rich, hjson, typing_extensions, six, psutil, pexpect' 2>/dev/null; then
  note "creating the Python venv $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "cannot create a venv in $VENV"
  "$VENV/bin/pip" install "${PY_PACKAGES[@]}" >"$CACHE/pip.log" 2>&1 \
    || die "pip could not install ${PY_PACKAGES[*]} into $VENV; see $CACHE/pip.log"
fi

# ---- Configure, build, install. -------------------------------------------------------------------
# A failed or older install must not look finished: COMMITS is written last.
rm -rf "$INSTALL"
export PATH="$VENV/bin:$SRC/gapy/bin:$PATH"
note "configuring ($TARGETS) in $BUILD"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_INSTALL_PREFIX="$INSTALL" \
  -DGVSOC_MODULES="$SRC/core/models;$SRC/pulp;$SRC/pulp/targets;$SRC/gvrun/python" \
  "${CMAKE_OPTIONS[@]}" >"$CACHE/configure.log" 2>&1 \
  || die "cmake configure failed; see $CACHE/configure.log"
note "building with $JOBS jobs (a few minutes; log: $CACHE/build.log)"
cmake --build "$BUILD" -j "$JOBS" >"$CACHE/build.log" 2>&1 \
  || die "build failed; see the end of $CACHE/build.log"
cmake --install "$BUILD" >"$CACHE/install.log" 2>&1 \
  || die "install failed; see $CACHE/install.log"
[ -x "$INSTALL/bin/gvsoc" ] || die "the install has no bin/gvsoc; see $CACHE/install.log"

# Point the installed Python entry points at the venv, so running them needs no activation.
for f in "$INSTALL"/bin/*; do
  [ -f "$f" ] && head -n1 "$f" | grep -q '^#!.*python' || continue
  sed -i "1s|^#!.*|#!$VENV/bin/python|" "$f"
done

{
  echo "$WANT"
  for a in "${ABSENT[@]}"; do echo "# absent from the mirror, not checked out: $a"; done
  echo "# built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(( $(date +%s) - t0 )) s"
} >"$INSTALL/COMMITS"
"$VENV/bin/pip" freeze >"$INSTALL/PYTHON-PACKAGES"
note "installed into $INSTALL in $(( $(date +%s) - t0 )) s"
echo "$INSTALL"
