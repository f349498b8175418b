"""Pipeline strings: parsing, option conversion, printing back, errors; and the dory-opt driver
pieces that lit can't reach (the crash guard, --verify-semantics corner cases)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dory import passes
from dory.dory_ir.core import Operation
from dory.dory_ir.diagnostics import DiagnosticError, Location
from dory.dory_ir.parser import parse_module
from dory.passes import NamedPipeline, PassFactory, get_pass_registry, get_pipeline_registry, register_pass, register_pipeline
from dory.passes.base import ModulePass, PassContext, PassFailed, format_option_value
from dory.passes.pipeline import PipelineError, parse_pipeline, print_pipeline


@dataclass(frozen=True)
class AllTypesPass(ModulePass):
    """Test pass with one option of every supported type."""

    name = "all-types"

    count: int = 3
    flag: bool = False
    label: str = "x"
    sizes: tuple[int, ...] = (1, 2)
    limit: int | None = None
    tag: str | None = "t"
    words: tuple[str, ...] = ()

    def apply(self, ctx: PassContext, module: Operation) -> None:
        """Does nothing."""


@dataclass(frozen=True)
class RequiredPass(ModulePass):
    """Test pass with a required option."""

    name = "required"

    tile: int
    verbose: bool = field(default=False, metadata={"doc": "say more"})

    def apply(self, ctx: PassContext, module: Operation) -> None:
        """Does nothing."""


@dataclass(frozen=True)
class BadTypePass(ModulePass):
    """Test pass with an option type the pipeline syntax can't express."""

    name = "bad-type"

    ratio: float = 1.0

    def apply(self, ctx: PassContext, module: Operation) -> None:
        """Does nothing."""


REGISTRY: dict[str, PassFactory] = {
    "all-types": lambda: AllTypesPass,
    "required": lambda: RequiredPass,
    "bad-type": lambda: BadTypePass,
}
PIPELINES = {
    "both": NamedPipeline("both", "all-types{count=1},required{tile=2}", ""),
    "outer": NamedPipeline("outer", "both,all-types", ""),
    "loop-a": NamedPipeline("loop-a", "loop-b", ""),
    "loop-b": NamedPipeline("loop-b", "all-types,loop-a", ""),
    "broken": NamedPipeline("broken", "all-types{nope=1}", ""),
}


def parse(text: str) -> list[ModulePass]:
    return parse_pipeline(text, REGISTRY, PIPELINES)


def error_of(text: str) -> str:
    with pytest.raises(PipelineError) as info:
        parse(text)
    return info.value.format()


# -- parsing ------------------------------------------------------------------------------------


def test_flat_and_anchored_forms_are_equal() -> None:
    flat = parse("all-types{count=5 flag},required{tile=7}")
    anchored = parse("builtin.module( all-types{ count=5  flag } , required{tile=7} )")
    assert flat == anchored == [AllTypesPass(count=5, flag=True), RequiredPass(tile=7)]


def test_empty_pipelines() -> None:
    assert parse("") == parse("   ") == parse("builtin.module()") == parse("builtin.module( )") == []


def test_option_conversion_by_type() -> None:
    (p,) = parse('all-types{count=-4 flag=false label="a b" sizes=8,0x10,-1 limit=9 tag=none words=a,"b,c"}')
    assert p == AllTypesPass(count=-4, flag=False, label="a b", sizes=(8, 16, -1), limit=9, tag=None, words=("a", "b,c"))
    (q,) = parse("all-types{sizes= limit=none tag=\"none\" label=\"\"}")
    assert q == AllTypesPass(sizes=(), limit=None, tag="none", label="")


def test_snake_case_keys_are_accepted() -> None:
    assert parse("required{tile=1 verbose}") == parse("required{tile=1 verbose=true}") == [RequiredPass(1, True)]


def test_named_pipelines_expand_recursively() -> None:
    assert parse("outer") == [AllTypesPass(count=1), RequiredPass(tile=2), AllTypesPass()]


def test_global_registry_is_lazy_and_consistent() -> None:
    for name, factory in get_pass_registry().items():
        cls = factory()
        assert cls.name == name
        assert cls.summary(), f"{name} needs a docstring"
        # Every registered pass has defaults for all options and prints as its bare name.
        assert [str(p) for p in parse_pipeline(name)] == [name]
    for name, pl in get_pipeline_registry().items():
        assert pl.name == name
        parse_pipeline(pl.text)


def test_default_pipeline() -> None:
    assert print_pipeline(parse_pipeline("default")) == "builtin.module(canonicalize,cse)"


def test_registering_a_taken_name_fails() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_pass("cse", lambda: AllTypesPass)
    with pytest.raises(ValueError, match="already registered"):
        register_pipeline("canonicalize", "cse", "")


# -- printing -----------------------------------------------------------------------------------


def test_str_prints_only_non_default_options() -> None:
    assert str(AllTypesPass()) == "all-types"
    assert str(AllTypesPass(count=1, sizes=(4, 5), flag=True)) == "all-types{count=1 flag=true sizes=4,5}"
    assert str(AllTypesPass(sizes=(), tag=None, label="")) == 'all-types{label="" sizes= tag=none}'
    assert str(AllTypesPass(label="true", words=("a b", "1"))) == 'all-types{label="true" words="a b","1"}'
    assert str(RequiredPass(tile=3)) == "required{tile=3}"


def test_print_pipeline_forms() -> None:
    ps = [AllTypesPass(count=2), RequiredPass(tile=1)]
    assert print_pipeline(ps) == "builtin.module(all-types{count=2},required{tile=1})"
    assert print_pipeline(ps, anchored=False) == "all-types{count=2},required{tile=1}"


def test_format_option_value_quotes_ambiguous_strings() -> None:
    assert format_option_value("plain") == "plain"
    for text in ("none", "false", "12", "0x1", "a,b", "a}", 'q"uote', ""):
        assert format_option_value(text).startswith('"'), text


_INTS = st.integers(min_value=-(2**40), max_value=2**40)
_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)


@st.composite
def all_types_passes(draw: st.DrawFn) -> AllTypesPass:
    return AllTypesPass(
        count=draw(_INTS),
        flag=draw(st.booleans()),
        label=draw(_TEXT),
        sizes=tuple(draw(st.lists(_INTS, max_size=4))),
        limit=draw(st.none() | _INTS),
        tag=draw(st.none() | _TEXT),
        words=tuple(draw(st.lists(_TEXT, max_size=3))),
    )


@st.composite
def pipelines(draw: st.DrawFn) -> list[ModulePass]:
    required = st.builds(RequiredPass, tile=_INTS, verbose=st.booleans())
    return draw(st.lists(all_types_passes() | required, max_size=4))


@settings(max_examples=300, deadline=None)
@given(pipelines(), st.booleans())
def test_print_parse_round_trip(ps: list[ModulePass], anchored: bool) -> None:
    text = print_pipeline(ps, anchored=anchored)
    assert parse(text) == ps
    # And the printed form is a fixed point.
    assert print_pipeline(parse(text), anchored=anchored) == text


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ("all-typez", "1:1: error: unknown pass or pipeline 'all-typez' (did you mean 'all-types'?); "
         "known passes: all-types, bad-type, required; pipelines: both, broken, loop-a, loop-b, outer"),
        ("all-types{cnt=1}", "1:11: error: unknown option 'cnt' for pass 'all-types' (did you mean 'count'?); its options are: "
         "count (int), flag (bool), label (str), sizes (tuple[int, ...]), limit (int | None), tag (str | None), "
         "words (tuple[str, ...])"),
        ("all-types{count=1.5}", "1:17: error: option 'count' of pass 'all-types' expects an integer, found '1.5'"),
        ("all-types{sizes=1,x}", "1:19: error: option 'sizes' of pass 'all-types' expects an integer, found 'x'"),
        ("all-types{flag=maybe}", "1:16: error: option 'flag' of pass 'all-types' expects true or false, found 'maybe'"),
        ('all-types{flag="true"}', "expects true or false, found 'true'"),
        ("all-types{limit}", "1:11: error: option 'limit' of pass 'all-types' needs a value (int)"),
        ("required", "1:1: error: pass 'required' requires option(s): tile (int)"),
        ("required{verbose}", "1:1: error: pass 'required' requires option(s): tile (int)"),
        ("both{x=1}", "pipeline 'both' takes no options"),
        ("loop-a", "1:1: error: in pipeline 'loop-a' ('loop-b'): in pipeline 'loop-b' ('all-types,loop-a'): "
         "pipeline 'loop-a' includes itself (loop-a -> loop-b -> loop-a)"),
        ("broken", "in pipeline 'broken' ('all-types{nope=1}'): unknown option 'nope' for pass 'all-types'"),
        ("all-types{=1}", "1:11: error: expected an option name, found '='"),
        ("all-types{count=}", "1:11: error: option 'count' of pass 'all-types' expects one int value, found 0"),
        ("all-types{count=(}", "1:17: error: expected a value for option 'count', found '('"),
        ("(", "1:1: error: expected a pass name, found '('"),
        ("builtin.module(all-types", "1:25: error: expected ')' to close 'builtin.module(', found end of pipeline"),
        ("builtin.module(all-types))", "1:26: error: expected ',' or end of pipeline, found ')'"),
        ("all-types,\nrequired{tile=x}", "<pass-pipeline>:2:15: error: option 'tile' of pass 'required' expects an integer, found 'x'"),
    ],
)
def test_errors(text: str, message: str) -> None:
    assert message in error_of(text)


def test_unsupported_option_type_is_a_bug_not_a_user_error() -> None:
    with pytest.raises(TypeError, match="unsupported pass option type float"):
        parse("bad-type{ratio=1}")


def test_pass_failed_is_located() -> None:
    loc = Location("f.mlir", 3, 5)
    op = Operation(op_name="test.op", loc=loc)
    e = PassFailed(op, "no good")
    assert isinstance(e, DiagnosticError) and e.op is op
    assert e.format() == "f.mlir:3:5: error: no good"
    assert PassFailed(Location("g.mlir", 1, 1), "x").op is None


def test_option_info() -> None:
    opts = {o.key: o for o in RequiredPass.options()}
    assert opts["tile"].required and opts["tile"].type_name == "int"
    assert not opts["verbose"].required and opts["verbose"].doc == "say more"
    assert opts["verbose"].default is False
    assert [o.field_name for o in AllTypesPass.options()] == [f.name for f in dataclasses.fields(AllTypesPass)]


# -- dory-opt pieces ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CrashingPass(ModulePass):
    """Test pass that fails with a Python error (a bug)."""

    name = "test-crash"

    def apply(self, ctx: PassContext, module: Operation) -> None:
        raise RuntimeError("boom")


def test_internal_errors_exit_2_with_one_line(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from dory.driver.opt import main

    src = tmp_path / "in.mlir"
    src.write_text('"test.op"() : () -> ()\n')
    monkeypatch.setitem(passes._PASSES, "test-crash", lambda: CrashingPass)
    monkeypatch.delenv("DORY_TRACEBACK", raising=False)
    assert main([str(src), "-p", "test-crash"]) == 2
    err = capsys.readouterr().err
    assert err == "error: internal error: pass 'test-crash' crashed: RuntimeError: boom\n"
    monkeypatch.setenv("DORY_TRACEBACK", "1")
    with pytest.raises(Exception, match="boom"):
        main([str(src), "-p", "test-crash"])


def test_main_ok_and_error_codes(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from dory.driver.opt import main

    good = tmp_path / "good.mlir"
    good.write_text('"test.op"() : () -> ()\n')
    bad = tmp_path / "bad.mlir"
    bad.write_text('"test.op"(%x) : (si8) -> ()\n')
    assert main([str(good)]) == 0
    assert '"test.op"() : () -> ()' in capsys.readouterr().out
    assert main([str(bad)]) == 1
    assert "bad.mlir:1:11: error: use of undefined value '%x'" in capsys.readouterr().err


_TWO_FUNCS = """
"func.func"() <{function_type = (tensor<3xsi8>) -> tensor<3xsi8>, sym_name = "f"}> ({
^bb0(%x: tensor<3xsi8>):
  "func.return"(%x) : (tensor<3xsi8>) -> ()
}) : () -> ()
"func.func"() <{function_type = (tensor<3xsi8>) -> (tensor<3xsi8>, tensor<3xsi8>), sym_name = "g"}> ({
^bb0(%x: tensor<3xsi8>):
  "func.return"(%x, %x) : (tensor<3xsi8>, tensor<3xsi8>) -> ()
}) : () -> ()
"""


def _checker_and_module():  # type: ignore[no-untyped-def]
    from dory.driver.instrument import SemanticsChecker

    module = parse_module(_TWO_FUNCS, "m.mlir")
    checker = SemanticsChecker(seed=5, timing=None)
    checker.run_before_pipeline(module)
    return checker, module


def _func(module: Operation, name: str) -> Operation:
    return next(op for op in module.walk() if op.op_name == "func.func" and op.properties["sym_name"].value == name)  # type: ignore[attr-defined]


def test_semantics_unchanged_passes() -> None:
    checker, module = _checker_and_module()
    checker.run_after_pass(CrashingPass(), module)
    assert set(checker.reference) == {"f", "g"}
    ref = checker.reference["g"]
    assert len(ref.outputs) == 2 and np.array_equal(ref.outputs[0], ref.inputs[0])


def test_semantics_removed_function() -> None:
    from dory.driver.instrument import SemanticsError

    checker, module = _checker_and_module()
    f = _func(module, "f")
    f.erase()
    with pytest.raises(SemanticsError, match="m.mlir:2:1: error: pass 'test-crash' removed function 'f'"):
        checker.run_after_pass(CrashingPass(), module)


def test_semantics_output_count_and_shape() -> None:
    from dory.driver.instrument import SemanticsError

    checker, module = _checker_and_module()
    ref = checker.reference["g"]
    checker.reference["g"] = type(ref)(ref.loc, ref.inputs, ref.outputs[:1])
    with pytest.raises(SemanticsError, match="function 'g': it now returns 2 outputs instead of 1"):
        checker.run_after_pass(CrashingPass(), module)
    checker, module = _checker_and_module()
    ref = checker.reference["f"]
    checker.reference["f"] = type(ref)(ref.loc, ref.inputs, [ref.outputs[0].reshape(3, 1)])
    with pytest.raises(SemanticsError, match="output #0 has shape 3 instead of 3x1"):
        checker.run_after_pass(CrashingPass(), module)


def test_semantics_unrunnable_after_a_pass() -> None:
    from dory.dory_ir.core import create_op

    checker, module = _checker_and_module()
    f = _func(module, "f")
    ret = f.regions[0].blocks[0].ops[-1]
    x = ret.operands[0]
    opaque = create_op("test.op", operands=[x], result_types=[x.type], loc=Location("m.mlir", 9, 3))
    f.regions[0].blocks[0].insert_before(ret, opaque)
    ret.set_operand(0, opaque.results[0])
    with pytest.raises(DiagnosticError) as info:
        checker.run_after_pass(CrashingPass(), module)
    assert info.value.format().startswith(
        "m.mlir:9:3: error: after pass 'test-crash', --verify-semantics cannot run function 'f': 'test.op' op"
    )
