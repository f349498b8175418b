// --elide-large-constants[=N] prints dense constants of more than N elements (default 16) as
// dense_resource<__elided__>, which still parses (with the type but no data).

// RUN: dory-opt %s | filecheck %s --check-prefix=FULL
// FULL: %big = "qnn.constant"() <{value = dense<"0x{{[0-9A-F]+}}"> : tensor<17xsi8>}>
// FULL: %small = "qnn.constant"() <{value = dense<[1, 2, 3, 4]> : tensor<4xsi8>}>

// RUN: dory-opt %s --elide-large-constants | filecheck %s --check-prefix=DEFAULT
// DEFAULT: %big = "qnn.constant"() <{value = dense_resource<__elided__> : tensor<17xsi8>}>
// DEFAULT: %small = "qnn.constant"() <{value = dense<[1, 2, 3, 4]> : tensor<4xsi8>}>

// The flag without a value does not swallow the input file name after it.
// RUN: dory-opt --elide-large-constants %s | filecheck %s --check-prefix=DEFAULT

// RUN: dory-opt %s --elide-large-constants=3 | filecheck %s --check-prefix=THREE
// THREE: %big = "qnn.constant"() <{value = dense_resource<__elided__> : tensor<17xsi8>}>
// THREE: %small = "qnn.constant"() <{value = dense_resource<__elided__> : tensor<4xsi8>}>

// RUN: dory-opt %s --elide-large-constants=17 | filecheck %s --check-prefix=FULL

// The elided text parses back.
// RUN: dory-opt %s --elide-large-constants=3 | dory-opt | filecheck %s --check-prefix=THREE

// RUN: not dory-opt %s --elide-large-constants=-1 2>&1 | filecheck %s --check-prefix=NEGATIVE
// NEGATIVE: dory-opt: error: --elide-large-constants expects N >= 0, found -1
// RUN: not dory-opt %s --elide-large-constants=many 2>&1 | filecheck %s --check-prefix=NOT-INT
// NOT-INT: dory-opt: error: argument --elide-large-constants: invalid int value: 'many' (see 'dory-opt --help')

"func.func"() <{function_type = () -> (tensor<17xsi8>, tensor<4xsi8>), sym_name = "f"}> ({
  %big = "qnn.constant"() <{value = dense<[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]> : tensor<17xsi8>}> : () -> tensor<17xsi8>
  %small = "qnn.constant"() <{value = dense<[1, 2, 3, 4]> : tensor<4xsi8>}> : () -> tensor<4xsi8>
  "func.return"(%big, %small) : (tensor<17xsi8>, tensor<4xsi8>) -> ()
}) : () -> ()
