"""Source locations and located diagnostics.

Every user-facing error in dory is a `DiagnosticError` carrying a `Location`, printed as
``file:line:col: error: message`` (MLIR's format) so editors and lit tests can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    """Where an op or token came from.

    ``file``/``line``/``col`` come from the parser (1-based); ``name`` is a named location
    (``loc("conv1")``) that survives printing, e.g. the ONNX node an op was imported from.
    """

    file: str = "<unknown>"
    line: int = 0
    col: int = 0
    name: str | None = None

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        if self.name is not None:
            return f"{self.file}: {self.name}" if self.file != "<unknown>" else self.name
        return self.file

    def with_name(self, name: str | None) -> "Location":
        return Location(self.file, self.line, self.col, name)


UNKNOWN = Location()


@dataclass
class Diagnostic:
    """One message with a severity ("error", "warning", "note", "remark") at a location."""

    loc: Location
    message: str
    severity: str = "error"
    notes: list["Diagnostic"] = field(default_factory=list)

    def format(self) -> str:
        text = f"{self.loc}: {self.severity}: {self.message}"
        for note in self.notes:
            text += "\n" + note.format()
        return text


class DiagnosticError(Exception):
    """An error the user caused (bad input, failing verifier, failing pass), with its location.

    Tools catch it and print ``diag.format()`` instead of a traceback. ``diagnostics`` may hold
    several errors (the verifier reports every failing op, not just the first).
    """

    def __init__(self, loc: Location, message: str, more: list[Diagnostic] | None = None):
        self.diagnostics = [Diagnostic(loc, message)] + list(more or [])
        super().__init__(self.diagnostics[0].format())

    @classmethod
    def from_diagnostics(cls, diags: list[Diagnostic]) -> "DiagnosticError":
        err = cls(diags[0].loc, diags[0].message, diags[1:])
        err.diagnostics[0].severity = diags[0].severity
        err.diagnostics[0].notes = diags[0].notes
        return err

    def format(self) -> str:
        return "\n".join(d.format() for d in self.diagnostics)


class ParseError(DiagnosticError):
    """Malformed IR text (syntax, undefined names, bad literals)."""


class VerifyError(DiagnosticError):
    """An op broke its dialect's rules (wrong types, shapes, missing properties)."""


class OpVerifyError(Exception):
    """Raised inside ``Operation.verify_`` with a bare message; the verifier adds the location."""
