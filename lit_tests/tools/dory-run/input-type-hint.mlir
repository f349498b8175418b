// An input whose values do not fit the network's input type: the error says which --input-type
// holds them (a DORY network with a signed 2-bit input, imported with the default ui8).
// RUN: %python -c "open(r'%t.si2.txt', 'w').write('# input\n-2\n1\n0\n-1\n')"
// RUN: not dory-run %s --input %t.si2.txt 2>&1 | filecheck %s --check-prefix=SI2
// SI2: si2.txt: error: input #0 of @main: expected values of ui8 in [0, 255], found -2 at index [0, 0, 0, 0] (the input's values span [-2, 1]: import the network with --input-type si2, as dory-translate --from-onnx and dory-compile take it)
// RUN: %python -c "open(r'%t.wide.txt', 'w').write('0\n300\n7\n1\n')"
// RUN: not dory-run %s --input %t.wide.txt 2>&1 | filecheck %s --check-prefix=U16
// U16: wide.txt: error: input #0 of @main: expected values of ui8 in [0, 255], found 300 at index [0, 0, 1, 0] (the input's values span [0, 300]: import the network with --input-type ui16, as dory-translate --from-onnx and dory-compile take it)

"func.func"() <{function_type = (tensor<1x2x2x1xui8>) -> tensor<1x2x2x1xui8>, sym_name = "main"}> ({
^bb0(%x: tensor<1x2x2x1xui8>):
  "func.return"(%x) : (tensor<1x2x2x1xui8>) -> ()
}) : () -> ()
