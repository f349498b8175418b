"""Tile plans given as input: a user's hand plan or another compiler's tiles, read from a file
(docs/tile-plans.md) for the ``tile`` pass's ``plan`` option.

Two formats, told apart by the file's extension:

- *dory plan* (any name but ``.csv``): one layer per line, ``LAYER TILE [BUFFERING]``, where
  ``LAYER`` is the deployed-layer index (0 = the first layer the app runs) or the op's name (its
  ONNX node name, as the app's steps are named), ``TILE`` is ``C_OUTxH_OUTxW_OUTxC_IN`` (the L1
  tile of the output, as ``dory.tile``'s ``l1``) and ``BUFFERING`` is ``double`` (the default)
  or ``single``; ``#`` starts a comment.
- *the shared CSVs* (``.csv``, ../shared/data/plans/): one row per deployed layer, ``layer`` and
  per compiler the columns ``<prefix>_c_out``, ``_h_out``, ``_w_out``, ``_c_in``; ``columns``
  chooses the prefix: ``dory`` (single buffered, as DORY runs its tiles) or ``deeploy`` (double
  buffered, as Deeploy runs them with ``--doublebuffer``). Deeploy writes a depthwise tile's
  ``c_in`` per group (1); entries of op ``depthwise`` or ``pool`` take ``c_in = c_out`` instead,
  dory's convention for layers whose input channels follow their output channels.

Every entry keeps its ``file:line:col`` so that the pass can locate what it rejects. Malformed
input raises `PlanError` (a located `DiagnosticError`).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

from dory.dory_ir.diagnostics import DiagnosticError, Location

BUFFERINGS = ("double", "single")
"""The buffering words of a plan entry and of ``dory.tile``'s ``buffering`` (absent: double)."""
CSV_COLUMNS = {"dory": "single", "deeploy": "double"}
"""The shared CSVs' column prefixes, and the buffering each compiler runs its tiles with."""

# A CSV op whose input channels follow its output channels (Deeploy writes c_in per group, 1).
_CSV_CIN_FOLLOWS = frozenset({"depthwise", "pool"})
_TILE_RE = re.compile(r"^(\d+)x(\d+)x(\d+)x(\d+)$")
_DIMS = ("c_out", "h_out", "w_out", "c_in")


class PlanError(DiagnosticError):
    """A plan file that cannot be read or is malformed (located at ``file:line:col``)."""


@dataclass(frozen=True)
class PlanEntry:
    """One layer's tile in a plan: ``key`` is the deployed-layer index or the op's name, ``tile``
    ``(c_out, h_out, w_out, c_in)``, ``single`` whether it runs single buffered; ``loc`` is where
    the entry is written (its key's column)."""

    key: int | str
    tile: tuple[int, int, int, int]
    single: bool
    loc: Location

    @property
    def buffering(self) -> str:
        """``single`` or ``double``."""
        return "single" if self.single else "double"

    def describe(self) -> str:
        """The key as the messages spell it: ``layer 3`` or ``layer 'Conv_72'``."""
        return f"layer {self.key}" if isinstance(self.key, int) else f"layer '{self.key}'"


@dataclass(frozen=True)
class Plan:
    """The entries of one plan file, in file order (each layer at most once by each key)."""

    path: str
    entries: tuple[PlanEntry, ...]

    def lookup(self, index: int, name: str) -> list[PlanEntry]:
        """The entries naming the layer of deployed index ``index`` or op name ``name`` (two when
        both keys are used for it: the pass rejects that)."""
        return [e for e in self.entries if e.key == index or (name and e.key == name)]


def read_plan(path: str, columns: str | None = None) -> Plan:
    """The plan in ``path``: a ``.csv`` file read with the column prefix ``columns`` (`read_csv_plan`),
    anything else as a dory plan (`parse_plan`). Raises `PlanError`."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or str(e)
        raise PlanError(Location(path), f"cannot read the tile plan: {reason}") from None
    if path.lower().endswith(".csv"):
        if columns is None:
            raise PlanError(Location(path), f"a .csv plan needs its column prefix (plan-columns: {' or '.join(CSV_COLUMNS)})")
        return read_csv_plan(text, path, columns)
    if columns is not None:
        raise PlanError(Location(path), f"plan-columns '{columns}' applies to a .csv plan only")
    return parse_plan(text, path)


def parse_plan(text: str, path: str = "<plan>") -> Plan:
    """A dory plan (module docstring) from its text; ``path`` names it in errors."""
    entries: list[PlanEntry] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        body = line.split("#", 1)[0]
        words = [(m.group(), m.start() + 1) for m in re.finditer(r"\S+", body)]
        if not words:
            continue
        at = lambda col: Location(path, lineno, col)  # noqa: E731 - the line's locations
        if len(words) == 1:
            raise PlanError(at(len(body.rstrip()) + 1), "expected a tile C_OUTxH_OUTxW_OUTxC_IN after the layer, found end of line")
        if len(words) > 3:
            raise PlanError(at(words[3][1]), f"expected end of line after 'LAYER TILE [single|double]', found '{words[3][0]}'")
        (key_text, key_col), (tile_text, tile_col) = words[0], words[1]
        key: int | str = int(key_text) if key_text.isdigit() else key_text
        m = _TILE_RE.match(tile_text)
        if m is None:
            raise PlanError(at(tile_col), f"expected a tile C_OUTxH_OUTxW_OUTxC_IN of positive integers, found '{tile_text}'")
        tile = tuple(int(v) for v in m.groups())
        if 0 in tile:
            d = _DIMS[tile.index(0)]
            raise PlanError(at(tile_col), f"expected a tile of positive integers, found {d}=0 in '{tile_text}'")
        single = False
        if len(words) == 3:
            buf, buf_col = words[2]
            if buf not in BUFFERINGS:
                raise PlanError(at(buf_col), f"expected buffering 'single' or 'double', found '{buf}'")
            single = buf == "single"
        entry = PlanEntry(key, tile, single, at(key_col))  # type: ignore[arg-type]
        _check_unique(entries, entry)
        entries.append(entry)
    return Plan(path, tuple(entries))


def read_csv_plan(text: str, path: str, columns: str) -> Plan:
    """The ``columns`` compiler's tiles of a shared CSV plan (module docstring), each entry keyed
    by its ``layer`` index and located at its row."""
    if columns not in CSV_COLUMNS:
        raise PlanError(Location(path), f"plan-columns expected {' or '.join(CSV_COLUMNS)}, found '{columns}'")
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise PlanError(Location(path, 1, 1), "expected a header row, found an empty file")
    header = [h.strip() for h in rows[0]]
    wanted = ["layer"] + [f"{columns}_{d}" for d in _DIMS]
    missing = [w for w in wanted if w not in header]
    if missing:
        raise PlanError(Location(path, 1, 1), f"expected the column(s) {', '.join(missing)} in the header")
    idx = {h: i for i, h in enumerate(header)}
    single = CSV_COLUMNS[columns] == "single"
    entries: list[PlanEntry] = []
    for lineno, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        loc = Location(path, lineno, 1)
        try:
            values = [int(row[idx[w]]) for w in wanted]
        except (IndexError, ValueError):
            raise PlanError(loc, f"expected integers in the columns {', '.join(wanted)}, found '{','.join(row)}'") from None
        layer, tile = values[0], tuple(values[1:])
        if layer < 0 or min(tile) <= 0:
            raise PlanError(loc, f"expected a layer index >= 0 and a tile of positive integers, found '{','.join(row)}'")
        op = row[idx["op"]].strip() if "op" in idx and idx["op"] < len(row) else ""
        if op in _CSV_CIN_FOLLOWS:
            tile = (tile[0], tile[1], tile[2], tile[0])
        entry = PlanEntry(layer, tile, single, loc)  # type: ignore[arg-type]
        _check_unique(entries, entry)
        entries.append(entry)
    return Plan(path, tuple(entries))


def _check_unique(entries: list[PlanEntry], entry: PlanEntry) -> None:
    """A key may appear once in a plan."""
    for e in entries:
        if e.key == entry.key:
            raise PlanError(entry.loc, f"{entry.describe()} is planned twice (first at line {e.loc.line})")


def tile_text(tile: tuple[int, int, int, int]) -> str:
    """A tile as the messages spell it: ``c_out=16, h_out=8, w_out=32, c_in=32``."""
    return ", ".join(f"{n}={v}" for n, v in zip(_DIMS, tile))
