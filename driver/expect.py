"""``--verify-diagnostics``: check a chunk's diagnostics against its ``expected-*`` comments
(MLIR's ``expected-error@+N {{message}}`` directives) instead of printing them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dory.dory_ir.diagnostics import Diagnostic, Location
from dory.driver.split import Chunk

# Directives live in comments: a directive-like word inside IR text (a string attribute) is not one.
_EXPECT_START = re.compile(r"//.*?\b(expected-(error|warning|note|remark))\b")
_EXPECT = re.compile(
    r"expected-(?P<kind>error|warning|note|remark)(?P<re>-re)?"
    r"(?:@(?P<where>[+-][0-9]+|above|below|unknown))?[ \t]*\{\{(?P<text>.*)\}\}[ \t]*$"
)


@dataclass
class Expectation:
    """One ``expected-<kind>[@where] {{text}}`` comment."""

    kind: str
    line: int | None  # None for @unknown
    pattern: re.Pattern[str] | None  # for -re
    text: str
    loc: Location  # of the directive itself
    matched: bool = False

    def matches(self, d: Diagnostic, filename: str) -> bool:
        """Whether ``d`` is what this (not yet matched) expectation asks for."""
        if self.matched or d.severity != self.kind:
            return False
        if self.line is None:
            if d.loc.line:
                return False
        elif d.loc.line != self.line or d.loc.file != filename:
            return False
        return bool(self.pattern.search(d.message)) if self.pattern is not None else self.text in d.message


def _regex_of(text: str) -> re.Pattern[str]:
    """MLIR's ``-re`` form: literal text with ``{{regex}}`` parts."""
    parts = re.split(r"\{\{(.*?)\}\}", text)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?:{p})" for i, p in enumerate(parts)))


def parse_expectations(chunk: Chunk, filename: str) -> tuple[list[Expectation], list[Diagnostic]]:
    """The expectations written in ``chunk``, and errors for malformed directives."""
    found: list[Expectation] = []
    errors: list[Diagnostic] = []
    for i, line in enumerate(chunk.text.splitlines()):
        lineno = chunk.line_offset + i + 1
        start = _EXPECT_START.search(line)
        if start is None:
            continue
        loc = Location(filename, lineno, start.start(1) + 1)
        m = _EXPECT.match(line, start.start(1))
        if m is None:
            errors.append(
                Diagnostic(
                    loc,
                    f"malformed '{start.group(1)}' directive: expected "
                    "'expected-<kind>[@+N|@-N|@above|@below|@unknown] {{message}}'",
                )
            )
            continue
        where = m.group("where")
        target: int | None
        if where is None:
            target = lineno
        elif where == "above":
            target = lineno - 1
        elif where == "below":
            target = lineno + 1
        elif where == "unknown":
            target = None
        else:
            target = lineno + int(where)
        text = m.group("text")
        try:
            pattern = _regex_of(text) if m.group("re") else None
        except re.error as e:
            errors.append(Diagnostic(loc, f"bad regex in 'expected-{m.group('kind')}-re': {e}"))
            continue
        found.append(Expectation(m.group("kind"), target, pattern, text, loc))
    return found, errors


def check_expectations(chunk: Chunk, filename: str, diags: list[Diagnostic]) -> list[Diagnostic]:
    """Match ``diags`` against the chunk's expectations; returns the errors (empty = all good)."""
    expectations, errors = parse_expectations(chunk, filename)
    for d in _flatten(diags):
        exp = next((e for e in expectations if e.matches(d, filename)), None)
        if exp is not None:
            exp.matched = True
        else:
            errors.append(Diagnostic(d.loc, f"unexpected {d.severity}: {d.message}"))
    for e in expectations:
        if not e.matched:
            errors.append(Diagnostic(e.loc, f'expected {e.kind} "{e.text}" was not produced'))
    return errors


def _flatten(diags: list[Diagnostic]) -> list[Diagnostic]:
    out = []
    for d in diags:
        out.append(Diagnostic(d.loc, d.message, d.severity))
        out.extend(_flatten(d.notes))
    return out


