// Errors are located (file:line:col), go to stderr, exit with status 1 and never show a traceback.

// RUN: not dory-run %s --func elided 2>&1 | filecheck %s --check-prefix=ELIDED
// RUN: not dory-run %s --func opaque 2>&1 | filecheck %s --check-prefix=OPAQUE
// RUN: not dory-run %s --func missing 2>&1 | filecheck %s --check-prefix=MISSING
// RUN: not dory-run %s --input %s --input %s 2>&1 | filecheck %s --check-prefix=COUNT
// RUN: %python -c "import numpy as np; np.save(r'%t.shape.npy', np.zeros((1, 4, 4), dtype=np.int8))"
// RUN: not dory-run %s --input %t.shape.npy 2>&1 | filecheck %s --check-prefix=SHAPE -DFILE=%t.shape.npy
// RUN: %python -c "import numpy as np; np.save(r'%t.range.npy', np.full((1, 4, 4, 2), 200))"
// RUN: not dory-run %s --input %t.range.npy 2>&1 | filecheck %s --check-prefix=RANGE
// RUN: %python -c "import numpy as np; np.save(r'%t.frac.npy', np.full((1, 4, 4, 2), 0.5))"
// RUN: not dory-run %s --input %t.frac.npy 2>&1 | filecheck %s --check-prefix=FRAC
// RUN: not dory-run %s --input %S/Inputs/bad-value.txt 2>&1 | filecheck %s --check-prefix=TEXT
// RUN: not dory-run %s --input %S/Inputs/x-1x2x2x2.txt 2>&1 | filecheck %s --check-prefix=TEXTCOUNT
// RUN: not dory-run %s --func two -o %t.two.npy 2>&1 | filecheck %s --check-prefix=TWO
// A failed run leaves no dump directory behind (nor its temporary sibling).
// RUN: rm -rf %t.d && mkdir -p %t.d
// RUN: not dory-run %s --func elided --dump-all %t.d/dump 2>&1
// RUN: %python -c "import os; assert os.listdir(r'%t.d') == [], os.listdir(r'%t.d')"

"builtin.module"() ({
  "func.func"() <{function_type = (tensor<1x4x4x2xsi8>) -> tensor<1x4x4x2xsi8>, sym_name = "main"}> ({
  ^bb0(%x: tensor<1x4x4x2xsi8>):
    %y = "qnn.clip"(%x) <{max = 10 : i64, min = -3 : i64}> : (tensor<1x4x4x2xsi8>) -> tensor<1x4x4x2xsi8>
    "func.return"(%y) : (tensor<1x4x4x2xsi8>) -> ()
  }) : () -> ()

  "func.func"() <{function_type = () -> tensor<2x2xsi8>, sym_name = "elided"}> ({
    // ELIDED: errors.mlir:[[# @LINE + 1]]:5: error: 'qnn.constant' op property 'value' expected constant data, found an elided constant
    %c = "qnn.constant"() <{value = dense_resource<__elided__> : tensor<2x2xsi8>}> : () -> tensor<2x2xsi8>
    "func.return"(%c) : (tensor<2x2xsi8>) -> ()
  }) : () -> ()
  // ELIDED-NOT: Traceback

  "func.func"() <{function_type = () -> tensor<2xsi8>, sym_name = "opaque"}> ({
    // OPAQUE: errors.mlir:[[# @LINE + 1]]:5: error: 'test.op' op is not executable
    %c = "test.op"() : () -> tensor<2xsi8>
    "func.return"(%c) : (tensor<2xsi8>) -> ()
  }) : () -> ()

  "func.func"() <{function_type = () -> (tensor<2xsi8>, tensor<2xsi8>), sym_name = "two"}> ({
    %c = "qnn.constant"() <{value = dense<[1, 2]> : tensor<2xsi8>}> : () -> tensor<2xsi8>
    "func.return"(%c, %c) : (tensor<2xsi8>, tensor<2xsi8>) -> ()
  }) : () -> ()
}) : () -> ()

// MISSING: errors.mlir:{{[0-9]+}}:{{[0-9]+}}: error: expected a function named @missing, found only @main, @elided, @opaque, @two
// COUNT: errors.mlir:{{[0-9]+}}:{{[0-9]+}}: error: @main expected 1 --input files, found 2
// SHAPE: [[FILE]]: error: input #0 of @main: expected shape 1x4x4x2 for tensor<1x4x4x2xsi8>, found shape 1x4x4
// RANGE: range.npy: error: input #0 of @main: expected values of si8 in [-128, 127], found 200 at index [0, 0, 0, 0]
// FRAC: frac.npy: error: expected integer values, found 0.5 at index [0, 0, 0, 0]
// TEXT: bad-value.txt:3:3: error: expected an integer, found '1.5'
// TEXTCOUNT: x-1x2x2x2.txt: error: input #0 of @main expected 32 values for tensor<1x4x4x2xsi8>, found 8
// TWO: dory-run: error: -o expected a function with 1 result, found 2; use --save-outputs DIR
