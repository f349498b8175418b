"""Fuzzing the parser: whatever the input, the only failure is a located `DiagnosticError`.

Inputs: random text and bytes, random mutations (byte flips, deletions, insertions of IR
punctuation and keywords, duplicated spans) of real modules, and a real module truncated at every
position. Any other exception type (IndexError, ValueError, RecursionError, MemoryError, ...) is a
parser bug. Mutated text that does parse must also print and re-parse to the same text.
"""

from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dory.dory_ir.diagnostics import DiagnosticError
from dory.dory_ir.parser import parse_file, parse_module
from dory.dory_ir.printer import print_op

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A compact module touching every construct: aliases, groups, regions with labelled blocks,
# every attribute kind, hex and list dense constants, locations. Small, so that truncating it at
# every position stays fast.
SEED = """\
!t = tensor<2x3xsi8>
#s = #dory.l2
%a:2 = "test.op"() <{k = array<i64: 1, -2>, d = dense<[[1, 2, 3], [4, 5, 6]]> : !t}> : () -> (!t, memref<4xi8, #s>)
%b = "test.pure"(%a#0) {s = "q\\"\\n\\C3\\A9", u, f = (i8) -> (i1, i1), y = @"sym x", n = none} : (!t) -> i32 loc("n1")
"test.op"(%b) ({
  %c = "test.op"(%b) : (i32) -> index
^bb1(%x: ui4, %y: tensor<si8>):
  "test.op"(%x, %c) {l = [1 : ui8, true, unit, {k = #gap8.t<3, "v">}]} : (ui4, index) -> ()
}, {
}) {h = dense<"0x000102030405060708090A0B0C0D0E0F10"> : tensor<17xi8>, e = dense_resource<__elided__> : tensor<2xi8>} : (i32) -> ()
"func.func"() <{function_type = (i8) -> i8, sym_name = "f"}> ({
^bb0(%arg0: i8):
  "func.return"(%arg0) : (i8) -> ()
}) : () -> ()
"""

# Tokens whose insertion pushes the parser into its deeper corners.
FRAGMENTS = [
    "(", ")", "{", "}", "<", ">", "[", "]", ",", ":", "=", "->", "^bb0:", "%a", "%a#1", "%a:2",
    "@f", "#d.x", "#s", "!t", "\"", "\\", "\\q", "\\C3", "dense<", "dense<\"0x", "array<i8:",
    "tensor<", "memref<", "x", "0x", "-", "i0", "i99", "si64", "ui64", "index", "none", "unit",
    "true", "loc(", "9" * 30, "9" * 5000, "[" * 150, "0x" + "F" * 40, "\x00", "\u00e9", "\U0001f600", "\n",
]


def assert_only_located_errors(text: str) -> None:
    """Parse ``text``; on success the printout must be a fixed point, on failure the error must
    be a DiagnosticError that says where."""
    try:
        module = parse_module(text, "fuzz.mlir")
    except DiagnosticError as e:
        assert e.diagnostics, "a DiagnosticError without a diagnostic"
        loc = e.diagnostics[0].loc
        assert loc.file == "fuzz.mlir" and loc.line >= 1 and loc.col >= 1, f"unlocated error: {e.format()}"
        assert e.diagnostics[0].message
        return
    printed = print_op(module)
    assert print_op(parse_module(printed, "fuzz.mlir")) == printed


def test_seed_module_parses() -> None:
    """The seed must parse, or every mutation below would only exercise the first error."""
    assert_only_located_errors(SEED)
    parse_module(SEED, "seed.mlir")


def test_truncation_at_every_position() -> None:
    for i in range(len(SEED)):
        assert_only_located_errors(SEED[:i])


def test_deleting_each_character() -> None:
    for i in range(len(SEED)):
        assert_only_located_errors(SEED[:i] + SEED[i + 1 :])


@SETTINGS
@given(st.text(max_size=200))
@example("")
@example("\x00")
@example("\"test.op\"() : () -> ()\x00")
def test_random_text(text: str) -> None:
    assert_only_located_errors(text)


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes(data: bytes) -> None:
    # Files are read as UTF-8 by the tools; latin-1 maps every byte to some character.
    assert_only_located_errors(data.decode("latin-1"))


@SETTINGS
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_random_fragment_soup(text: str) -> None:
    assert_only_located_errors(text)


@st.composite
def mutations(draw: st.DrawFn) -> str:
    """The seed text with a few random edits: replace a character by a random one, delete a
    span, insert an IR fragment, or duplicate a span."""
    text = SEED
    for _ in range(draw(st.integers(1, 4))):
        n = len(text)
        i = draw(st.integers(0, max(n - 1, 0)))
        kind = draw(st.sampled_from(["flip", "delete", "insert", "duplicate"]))
        if kind == "flip" and n:
            text = text[:i] + draw(st.characters(max_codepoint=0x2FF)) + text[i + 1 :]
        elif kind == "delete":
            j = draw(st.integers(i, min(n, i + 20)))
            text = text[:i] + text[j:]
        elif kind == "insert":
            text = text[:i] + draw(st.sampled_from(FRAGMENTS)) + text[i:]
        else:
            j = draw(st.integers(i, min(n, i + 40)))
            text = text[:j] + text[i:j] + text[j:]
    return text


@SETTINGS
@given(mutations())
def test_mutated_module(text: str) -> None:
    assert_only_located_errors(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 10_000, id="deep-brackets-unclosed"),
        pytest.param('"test.op"() {a = ' + "[" * 5000 + "]" * 5000 + "} : () -> ()", id="deep-array-attr"),
        pytest.param(
            '"test.op"() {a = dense<' + "[" * 5000 + "1" + "]" * 5000 + "> : tensor<1xi8>} : () -> ()",
            id="deep-dense-literal",
        ),
        pytest.param('"test.op"() ({' * 300 + "})" * 0, id="deep-regions-unclosed"),
        pytest.param('"test.op"() (' + '{"test.op"() (' * 300 + "{}" + ") : () -> ()}" * 300 + ") : () -> ()", id="deep-regions"),
        pytest.param('"test.op"() {a = ' + "(" * 3000 + "i8" + ") -> ()" * 3000 + "} : () -> ()", id="deep-function-types"),
        pytest.param('"test.op"() {a = 1 : i99999999999999999999999} : () -> ()', id="huge-width"),
        pytest.param('"test.op"() {a = 1 : si65} : () -> ()', id="width-65-attr"),
        pytest.param('"test.op"() {a = array<ui99: 1>} : () -> ()', id="width-99-array"),
        pytest.param('%0 = "test.op"() : () -> tensor<2xi128>', id="width-128-tensor"),
        pytest.param('"test.op"() {a = dense<1> : tensor<2xi65>} : () -> ()', id="width-65-dense"),
        pytest.param('"test.op"() {a = ' + "9" * 100_000 + "} : () -> ()", id="huge-decimal"),
        pytest.param('"test.op"() {a = 0x' + "F" * 100_000 + " : index} : () -> ()", id="huge-hex"),
        pytest.param("%a:" + "9" * 5000 + ' = "test.op"() : () -> ()', id="huge-result-count"),
        pytest.param('%a:99999999999 = "test.op"() : () -> (i8)', id="large-result-count"),
        pytest.param('%a:-1, %b:2 = "test.op"() : () -> (i8)', id="negative-result-count"),
        pytest.param('"test.op"() {a = dense<1> : tensor<' + "9" * 5000 + "xi8>} : () -> ()", id="huge-dim"),
        pytest.param('"test.op"() {a = dense<1> : tensor<0x99999999999999999999xi8>} : () -> ()', id="huge-dim-empty"),
        pytest.param('"test.op"() {a = dense<1> : tensor<65536x65536x65536xi8>} : () -> ()', id="huge-splat"),
        pytest.param('"test.op"() {a = dense<[1]> : tensor<65536x65536xi8>} : () -> ()', id="huge-list-splat"),
        pytest.param('"test.op"() {a = dense<"0x01"> : tensor<65536x65536xi8>} : () -> ()', id="huge-hex-splat"),
        pytest.param('"test.op"() {a = dense<' + "9" * 30 + "> : tensor<2xi64>} : () -> ()", id="splat-overflow"),
        pytest.param('"test.op"() {a = dense<[' + "9" * 30 + "]> : tensor<1xi64>} : () -> ()", id="list-overflow"),
        pytest.param('"test.op"() {a = dense<"0xFFFFFFFFFFFFFFFF"> : tensor<1xui64>} : () -> ()', id="ui64-max"),
        pytest.param('"test.op"() {a = dense<"0x0"> : tensor<1xi8>} : () -> ()', id="odd-hex"),
        pytest.param('"test.op"() {a = dense<"0x01"> : tensor<1xi16>} : () -> ()', id="short-hex"),
        pytest.param('"test.op"() {a = "\\' + "\"} : () -> ()", id="escape-at-end"),
        pytest.param('"test.op"() {a = "\\FF\\FE"} : () -> ()', id="bad-utf8"),
        pytest.param('"test.op"() {a = @"\\ED\\A0\\80"} : () -> ()', id="utf8-surrogate"),
        pytest.param('"test.op"() {a = "\ud800"} : () -> ()', id="lone-surrogate-in-text"),
        pytest.param('"te\\qst.op"() : () -> ()', id="bad-escape-in-op-name"),
        pytest.param('"test.op"() : () -> () loc("\\zz")', id="bad-escape-in-loc"),
        pytest.param('!t = tensor<2x!t>\n"test.op"() : () -> ()', id="self-alias"),
        pytest.param("#a = #a\n", id="self-attr-alias"),
        pytest.param("#a = " + "[" * 200 + "]" * 200 + "\n", id="deep-alias"),
        pytest.param("%0 = \"test.op\"(%0) : (i8) -> i8", id="self-use"),
    ],
)
def test_hostile_inputs(text: str) -> None:
    assert_only_located_errors(text)


@SETTINGS
@given(st.binary(max_size=200))
@example(b'"test.op"() {a = "\xff"} : () -> ()')
@example(b"\n\n  \xc3")
def test_random_bytes_from_a_file(data: bytes) -> None:
    """parse_file on bytes that need not be UTF-8: a bad byte is a ParseError at its line."""
    fd, path = tempfile.mkstemp(suffix=".mlir")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        try:
            module = parse_file(path)
        except DiagnosticError as e:
            loc = e.diagnostics[0].loc
            assert loc.file == path and loc.line >= 1 and loc.col >= 1, e.format()
            return
        assert print_op(parse_module(print_op(module))) == print_op(module)
    finally:
        os.unlink(path)


def test_non_utf8_file_error_points_at_the_byte(tmp_path: "os.PathLike[str]") -> None:
    path = os.path.join(tmp_path, "bad.mlir")
    with open(path, "wb") as f:
        f.write(b'"test.op"() : () -> ()\n"test.op"() {a = "\xc3\xa9\xff"} : () -> ()\n')
    with pytest.raises(DiagnosticError) as info:
        parse_file(path)
    # Line 2; the column counts the decoded "é" as one character.
    assert info.value.format() == f"{path}:2:20: error: expected UTF-8 text, found byte 0xFF"
