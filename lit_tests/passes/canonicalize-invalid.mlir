// RUN: dory-opt %s -p 'canonicalize{max-iterations=1 test-convergence}' --verify-diagnostics
// RUN: dory-opt %s -p 'canonicalize{max-iterations=2 test-convergence}' | filecheck %s

// One sweep folds everything, but only a second sweep that changes nothing proves a fixpoint:
// with test-convergence, stopping after one sweep is an error located at the module.

// expected-error@+1 {{canonicalize did not converge after 1 iteration(s)}}
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<2x3xsi8>) -> tensor<2x3xsi8>, sym_name = "needs_two_sweeps"}> ({
  ^bb0(%x: tensor<2x3xsi8>):
    %a = "qnn.reshape"(%x) : (tensor<2x3xsi8>) -> tensor<3x2xsi8>
    %b = "qnn.reshape"(%a) : (tensor<3x2xsi8>) -> tensor<2x3xsi8>
    "func.return"(%b) : (tensor<2x3xsi8>) -> ()
  }) : () -> ()
}) : () -> ()

// CHECK-LABEL: sym_name = "needs_two_sweeps"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x3xsi8>):
// CHECK-NEXT:    "func.return"(%[[X]])
