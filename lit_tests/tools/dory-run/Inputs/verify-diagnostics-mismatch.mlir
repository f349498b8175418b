// expected-error@+3 {{is not runnable}}
"func.func"() <{function_type = () -> tensor<2xsi8>, sym_name = "opaque"}> ({
  // The interpreter's message differs from the expectation.
    %c = "test.op"() : () -> tensor<2xsi8>
  "func.return"(%c) : (tensor<2xsi8>) -> ()
}) : () -> ()
