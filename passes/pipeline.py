"""Pipeline strings: parse ``builtin.module(p1{opt=1 list=1,2}, p2)`` or flat ``p1,p2``.

The syntax is MLIR's textual pass pipeline, restricted to what dory runs (module passes)::

    pipeline := anchored | flat
    anchored := 'builtin.module' '(' flat? ')'
    flat     := element (',' element)*
    element  := NAME options?                 # a pass, or a named pipeline (no options)
    options  := '{' (option (SPACE option)*)? '}'
    option   := KEY ('=' value (',' value)*)?  # a bare KEY sets a bool option to true
    value    := WORD | "quoted string"        # 'none' clears an 'X | None' option

Options are separated by spaces and list values by commas (as in MLIR). Keys are kebab-case
(``max-iterations``) and map to snake_case fields; values are converted by the field's type.
A small hand-written parser keeps the error positions exact and the start-up cost nil.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from dory.dory_ir.diagnostics import DiagnosticError, Location
from dory.passes import NamedPipeline, PassFactory, get_pass_registry, get_pipeline_registry
from dory.passes.base import ModulePass, OptionInfo, optional_inner, tuple_element, type_name

ANCHOR = "builtin.module"
PIPELINE_FILE = "<pass-pipeline>"

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
_WORD_STOP = frozenset(" \t\r\n{}(),=\"")


class PipelineError(DiagnosticError):
    """A malformed pipeline string; located at ``<pass-pipeline>:1:col`` (the column of the
    offending character in the string given to ``-p``)."""


@dataclass(frozen=True)
class _Value:
    text: str
    quoted: bool
    pos: int  # offset in the pipeline string, for error locations


class _BadValue(ValueError):
    """An option value that doesn't convert; ``value`` is where to point the error."""

    def __init__(self, message: str, value: _Value | None = None):
        super().__init__(message)
        self.value = value


def parse_pipeline(
    text: str,
    registry: Mapping[str, PassFactory] | None = None,
    pipelines: Mapping[str, NamedPipeline] | None = None,
) -> list[ModulePass]:
    """Parse a pipeline string into pass instances, expanding named pipelines.

    ``registry``/``pipelines`` default to the global ones (tests pass their own). Raises
    `PipelineError` for syntax errors, unknown passes or options and bad option values; the
    messages list what exists.
    """
    reg = get_pass_registry() if registry is None else registry
    pls = get_pipeline_registry() if pipelines is None else pipelines
    return _Parser(text, reg, pls, ()).parse()


def print_pipeline(passes: Sequence[ModulePass], anchored: bool = True) -> str:
    """Spell a pass list as a pipeline string (``builtin.module(a,b{x=1})`` when anchored)."""
    flat = ",".join(str(p) for p in passes)
    return f"{ANCHOR}({flat})" if anchored else flat


def _known(names: Sequence[str]) -> str:
    return ", ".join(sorted(names)) or "none"


def _did_you_mean(name: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Parser:
    """Recursive descent over the characters of one pipeline string."""

    def __init__(
        self,
        text: str,
        registry: Mapping[str, PassFactory],
        pipelines: Mapping[str, NamedPipeline],
        expanding: tuple[str, ...],
    ):
        self.text = text
        self.pos = 0
        self.registry = registry
        self.pipelines = pipelines
        # Named pipelines being expanded around this parse (to report a cycle, not recurse).
        self.expanding = expanding

    # -- positions and errors ------------------------------------------------------------------
    def col(self, pos: int | None = None) -> int:
        p = self.pos if pos is None else pos
        return p - (self.text.rfind("\n", 0, p) + 1) + 1

    def line(self, pos: int | None = None) -> int:
        p = self.pos if pos is None else pos
        return self.text.count("\n", 0, p) + 1

    def error(self, message: str, pos: int | None = None) -> PipelineError:
        return PipelineError(Location(PIPELINE_FILE, self.line(pos), self.col(pos)), message)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def found(self) -> str:
        return f"'{self.peek()}'" if self.peek() else "end of pipeline"

    def skip_ws(self) -> None:
        while self.peek() and self.peek().isspace():
            self.pos += 1

    def expect(self, ch: str, what: str) -> None:
        self.skip_ws()
        if self.peek() != ch:
            raise self.error(f"expected '{ch}' {what}, found {self.found()}")
        self.pos += 1

    # -- grammar -------------------------------------------------------------------------------
    def parse(self) -> list[ModulePass]:
        self.skip_ws()
        if not self.peek():
            return []
        passes = self.elements(top=True)
        self.skip_ws()
        if self.peek():
            raise self.error(f"expected ',' or end of pipeline, found {self.found()}")
        return passes

    def elements(self, top: bool) -> list[ModulePass]:
        out: list[ModulePass] = []
        count = 0
        while True:
            self.skip_ws()
            start = self.pos
            name = self.name()
            self.skip_ws()
            if self.peek() == "(":
                if name != ANCHOR:
                    raise self.error(
                        f"unsupported anchor '{name}': dory's passes transform the whole module, "
                        f"so a pipeline can only be anchored on '{ANCHOR}'",
                        start,
                    )
                if not top:
                    raise self.error(f"'{ANCHOR}(...)' cannot be nested", start)
                self.pos += 1
                self.skip_ws()
                inner = [] if self.peek() == ")" else self.elements(top=False)
                self.expect(")", f"to close '{ANCHOR}('")
                self.skip_ws()
                if count or self.peek() == ",":
                    raise self.error(f"'{ANCHOR}(...)' must enclose the whole pipeline", start)
                return inner
            out.extend(self.element(name, start))
            count += 1
            self.skip_ws()
            if self.peek() != ",":
                return out
            self.pos += 1

    def name(self) -> str:
        start = self.pos
        while self.peek() and self.peek() in _NAME_CHARS:
            self.pos += 1
        if self.pos == start:
            raise self.error(f"expected a pass name, found {self.found()}")
        return self.text[start : self.pos]

    def element(self, name: str, start: int) -> list[ModulePass]:
        options = self.options() if self.peek() == "{" else None
        if name in self.registry:
            cls = self.registry[name]()
            return [self.build(cls, options or {}, start)]
        if name in self.pipelines:
            if options is not None:
                raise self.error(f"pipeline '{name}' takes no options", start)
            return self.expand(name, start)
        everything = list(self.registry) + list(self.pipelines)
        raise self.error(
            f"unknown pass or pipeline '{name}'{_did_you_mean(name, everything)}; "
            f"known passes: {_known(list(self.registry))}; pipelines: {_known(list(self.pipelines))}",
            start,
        )

    def expand(self, name: str, start: int) -> list[ModulePass]:
        if name in self.expanding:
            chain = " -> ".join(self.expanding + (name,))
            raise self.error(f"pipeline '{name}' includes itself ({chain})", start)
        sub = _Parser(self.pipelines[name].text, self.registry, self.pipelines, self.expanding + (name,))
        try:
            return sub.parse()
        except PipelineError as e:
            # Report it where the user wrote the name; the text of the registered pipeline is
            # not something they can see in their command line.
            raise self.error(f"in pipeline '{name}' ('{sub.text}'): {e.diagnostics[0].message}", start) from None

    def options(self) -> dict[str, tuple[list[_Value] | None, int]]:
        """``{k=v k2=a,b flag}`` -> key -> (values or None for a bare key, position of the key)."""
        self.pos += 1  # '{'
        out: dict[str, tuple[list[_Value] | None, int]] = {}
        while True:
            self.skip_ws()
            if self.peek() == "}":
                self.pos += 1
                return out
            if not self.peek():
                raise self.error("expected '}' to close the options, found end of pipeline")
            kpos = self.pos
            key = self.key()
            if key in out:
                raise self.error(f"option '{key}' is given twice", kpos)
            if self.peek() == "=":
                self.pos += 1
                out[key] = (self.values(key), kpos)
            else:
                out[key] = (None, kpos)
            if self.peek() and not (self.peek().isspace() or self.peek() == "}"):
                raise self.error(
                    f"expected a space or '}}' after option '{key}', found {self.found()} "
                    "(options are separated by spaces, list values by commas)"
                )

    def key(self) -> str:
        start = self.pos
        while self.peek() and (self.peek().isalnum() or self.peek() in "_-"):
            self.pos += 1
        if self.pos == start:
            raise self.error(f"expected an option name, found {self.found()}")
        return self.text[start : self.pos]

    def values(self, key: str) -> list[_Value]:
        vals: list[_Value] = []
        # ``key=`` followed by a space or '}' is an empty list (how an empty tuple prints).
        if not self.peek() or self.peek().isspace() or self.peek() == "}":
            return vals
        while True:
            vals.append(self.value(key))
            if self.peek() != ",":
                return vals
            self.pos += 1
            if not self.peek() or self.peek().isspace() or self.peek() in "},":
                raise self.error(
                    f"expected a value after ',' in option '{key}', found {self.found()} "
                    "(list values are separated by commas without spaces)"
                )

    def value(self, key: str) -> _Value:
        start = self.pos
        if self.peek() == '"':
            self.pos += 1
            chars = []
            while True:
                c = self.peek()
                if not c:
                    raise self.error(f"unterminated string in option '{key}'", start)
                self.pos += 1
                if c == '"':
                    break
                if c == "\\" and self.peek():
                    c = self.peek()
                    self.pos += 1
                chars.append(c)
            return _Value("".join(chars), True, start)
        while self.peek() and self.peek() not in _WORD_STOP:
            self.pos += 1
        if self.pos == start:
            raise self.error(f"expected a value for option '{key}', found {self.found()}")
        return _Value(self.text[start : self.pos], False, start)

    # -- building passes -----------------------------------------------------------------------
    def build(self, cls: type[ModulePass], raw: dict[str, tuple[list[_Value] | None, int]], start: int) -> ModulePass:
        opts = {o.key: o for o in cls.options()}
        kwargs: dict[str, Any] = {}
        for key, (values, kpos) in raw.items():
            opt = opts.get(key) or opts.get(key.replace("_", "-"))
            if opt is None:
                listing = ", ".join(f"{o.key} ({o.type_name})" for o in opts.values()) or "none"
                raise self.error(
                    f"unknown option '{key}' for pass '{cls.name}'{_did_you_mean(key, list(opts))}; "
                    f"its options are: {listing}",
                    kpos,
                )
            try:
                kwargs[opt.field_name] = convert_option(opt, values)
            except ValueError as e:
                where = e.value.pos if isinstance(e, _BadValue) and e.value is not None else kpos
                raise self.error(f"option '{opt.key}' of pass '{cls.name}' {e}", where) from None
        missing = [o for o in opts.values() if o.required and o.field_name not in kwargs]
        if missing:
            listing = ", ".join(f"{o.key} ({o.type_name})" for o in missing)
            raise self.error(f"pass '{cls.name}' requires option(s): {listing}", start)
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as e:
            # A pass may validate its options in __post_init__ (e.g. "must be positive").
            raise self.error(f"bad options for pass '{cls.name}': {e}", start) from None


def convert_option(opt: OptionInfo, values: list[_Value] | None) -> Any:
    """Convert the raw values of one option to its field type; ValueError says why not."""
    return _convert(opt.type, values)


def _convert(tp: Any, values: list[_Value] | None) -> Any:
    inner = optional_inner(tp)
    if inner is not None:
        if values is not None and len(values) == 1 and not values[0].quoted and values[0].text == "none":
            return None
        return _convert(inner, values)
    if values is None:
        if tp is bool:
            return True  # a bare flag: ``p{verbose}``
        raise _BadValue(f"needs a value ({type_name(tp)})")
    elem = tuple_element(tp)
    if elem is not None:
        return tuple(_scalar(elem, v) for v in values)
    if len(values) != 1:
        raise _BadValue(
            f"expects one {type_name(tp)} value, found {len(values)} "
            "(options are separated by spaces; commas separate the values of a list)",
            values[1] if len(values) > 1 else None,
        )
    return _scalar(tp, values[0])


def _scalar(tp: Any, v: _Value) -> Any:
    if tp is bool:
        if v.text in ("true", "1") and not v.quoted:
            return True
        if v.text in ("false", "0") and not v.quoted:
            return False
        raise _BadValue(f"expects true or false, found '{v.text}'", v)
    if tp is int:
        if not v.quoted:
            try:
                return int(v.text, 10)
            except ValueError:
                try:
                    return int(v.text, 0)  # 0x10, 0b101
                except ValueError:
                    pass
        raise _BadValue(f"expects an integer, found '{v.text}'", v)
    if tp is str:
        return v.text
    raise TypeError(f"unsupported pass option type {type_name(tp)}")


__all__ = ["ANCHOR", "PipelineError", "convert_option", "parse_pipeline", "print_pipeline"]
