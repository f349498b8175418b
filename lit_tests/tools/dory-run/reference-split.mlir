// --reference follows DORY's layering of a requant after an add: NEMO exports some activations
// after a residual add as modules of their own (DORY's relu2: Cast -> Mul -> Div -> Clip after the
// add's Floor), whose reference files number them as separate layers; others in one layer with the
// add (TCN's reluadd). The data decides: the add layer's requants are checked one file each when
// its output does not match the next file and every split value matches its own.
// RUN: %python -c "open(r'%t.in.txt', 'w').write('4\n8\n100\n255\n')"
// RUN: rm -rf %t.split %t.one %t.bad && mkdir -p %t.split %t.one %t.bad
// RUN: %python -c "w=lambda p, n, v: open(p, 'w').write('# %%s (shape [2, 2, 1]),\n' %% n + ''.join('%%d.000,\n' %% x for x in v)); w(r'%t.split/out_layer0.txt', 'add', [4, 8, 100, 255]); w(r'%t.split/out_layer1.txt', 'relu2', [3, 6, 75, 191]); w(r'%t.one/out_layer0.txt', 'reluadd', [3, 6, 75, 191]); w(r'%t.bad/out_layer0.txt', 'add', [4, 8, 100, 255]); w(r'%t.bad/out_layer1.txt', 'relu2', [3, 6, 75, 190])"
// RUN: dory-run %s --input %t.in.txt --reference %t.split | filecheck %s --check-prefix=SPLIT
// SPLIT:      layer   0  %r1 (qnn.add) Add_1 {{ *}}1x2x2x1 ui8 {{ *}}match
// SPLIT-NEXT: layer   1  %r2 (qnn.requant) Clip_2 {{ *}}1x2x2x1 ui8 {{ *}}match: (DORY's layering: this requant after the add is a layer of its own)
// SPLIT:      2 of 2 layers match
// RUN: dory-run %s --input %t.in.txt --reference %t.one | filecheck %s --check-prefix=ONE
// ONE:      layer   0  %r2 (qnn.add) Add_1 {{ *}}1x2x2x1 ui8 {{ *}}match
// ONE:      1 of 1 layers match
// RUN: not dory-run %s --input %t.in.txt --reference %t.bad | filecheck %s --check-prefix=BAD
// BAD:      layer   0  %r2 (qnn.add) Add_1 {{ *}}1x2x2x1 ui8 {{ *}}MISMATCH: 4 of 4 values differ (HWC); first at [0, 0, 0, 0]: expected 4, found 3
// BAD-NEXT: layer   1  relu2 {{ *}}- {{ *}}MISMATCH: no such layer in the IR

"func.func"() <{function_type = (tensor<1x2x2x1xui8>) -> tensor<1x2x2x1xui8>, sym_name = "main"}> ({
^bb0(%x: tensor<1x2x2x1xui8>):
  %s = "qnn.add"(%x, %x) : (tensor<1x2x2x1xui8>, tensor<1x2x2x1xui8>) -> tensor<1x2x2x1xui16> loc("Add_1")
  %r1 = "qnn.requant"(%s) <{max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}> : (tensor<1x2x2x1xui16>) -> tensor<1x2x2x1xui8> loc("Add_1")
  %r2 = "qnn.requant"(%r1) <{max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 2 : i64}> : (tensor<1x2x2x1xui8>) -> tensor<1x2x2x1xui8> loc("Clip_2")
  "func.return"(%r2) : (tensor<1x2x2x1xui8>) -> ()
}) : () -> ()
