// --verify-semantics on allocated IR also checks the allocation: the interpreter computes on
// values and ignores `dory.alloc` offsets, so two buffers live at once that share bytes (on the
// chip, one overwrites the other) would pass the output comparison. An allocated function
// (`dory.alloc` on the func) is checked for that in the input and after every pass
// (dory_ir/analysis/allocation.py recomputes the lifetimes from the IR).

// The real passes' allocation passes the check (the first function; also the --verify-semantics
// RUN lines of lit_tests/passes/allocate-buffers.mlir).
// RUN: dory-opt %s -p assign-memory,allocate-buffers --verify-semantics=1 2>&1 | filecheck %s --check-prefix=FINE
// FINE: sym_name = "fine"

// A hand-written allocation (Inputs/overlapping-alloc.mlir) where %b (64 B at offset 0) is put
// on %a's bytes while %a is still live (the add reads both): the input itself is rejected, at
// %b's op, whatever the pipeline.
// RUN: not dory-opt %S/Inputs/overlapping-alloc.mlir -p canonicalize --verify-semantics=1 2>&1 | filecheck %s
// CHECK: overlapping-alloc.mlir:6:3: error: the input's function 'overlapping': buffers overlap: %b (step 1's result) (L2 bytes [0, 64), live at steps 1..2) and %a (step 0's result) (L2 bytes [0, 64), live at steps 0..2) are both live at step 1 in the same memory (--verify-semantics)

// A pass that allocates wrongly is named: test-overlap-buffers moves the first layer reading
// another layer's output onto that output's bytes (here %b onto %a, again), after
// assign-memory and allocate-buffers placed everything right.
// RUN: not dory-opt %s -p assign-memory,allocate-buffers,test-overlap-buffers --verify-semantics=1 2>&1 | filecheck %s --check-prefix=PASS
// PASS: error: after pass 'test-overlap-buffers', function 'fine': buffers overlap: %b (step 1's result) (L2 bytes [0, 64), live at steps 1..2) and %a (step 0's result) (L2 bytes [0, 64), live at steps 0..2) are both live at step 1 in the same memory (--verify-semantics)

"func.func"() <{function_type = (tensor<1x4x4x4xui8>) -> tensor<1x4x4x4xui8>, sym_name = "fine"}> ({
^bb0(%x: tensor<1x4x4x4xui8>):
  %a = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x4x4x4xui8>) -> tensor<1x4x4x4xui8>
  %b = "dory.pool"(%a) <{kind = "max", kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x4x4x4xui8>) -> tensor<1x4x4x4xui8>
  %s = "dory.add"(%a, %b) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}}> : (tensor<1x4x4x4xui8>, tensor<1x4x4x4xui8>) -> tensor<1x4x4x4xui8>
  "func.return"(%s) : (tensor<1x4x4x4xui8>) -> ()
}) : () -> ()
