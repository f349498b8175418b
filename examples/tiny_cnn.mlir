// A tiny quantized CNN in the qnn dialect (docs/qnn.md): conv 3x3 + bias, per-channel requant
// with ReLU (clip to 0..255), 2x2 max pool, global average pool, fully connected layer.
// Run it with the reference interpreter: `.venv/bin/dory-run examples/tiny_cnn.mlir --seed 1`.

!img = tensor<1x8x8x3xui8>
"builtin.module"() ({
  "func.func"() <{function_type = (!img) -> tensor<1x10xsi32>, sym_name = "tiny_cnn"}> ({
  ^bb0(%image: !img):
    %w1 = "qnn.constant"() <{value = dense<"0xDE16CBDBE8E73426353FCAD22FCAD5D734EEE1D5FA0B260E3ECDFE0818C0D9FBC83C1226010CECE9D0DA22F829E31C2F2ADBEFE32627F8E2C8E2D3C924FB3CE1F1310EE4EF23EEFEFEFBFE3BDE32D9CAE8DF11D7DA33280635EFC92ACBECFA17CFDDCAC3D71905EB17EB3EE316E0090835EACDF60DD93F00FF0A07F506F33F3805C6EBE91502D00CC1C5C1DE37C60DC0C6E9D4F4C62DF9C1C01BEEFA160B16D2212606F0E5F42308D8E1D8F7E5D11219EBCCF3E3F0DBC4D02C0605D9172037E3C13B32083FCB070FDBDA05F002DAF8E4040EFE00E1C21535"> : tensor<8x3x3x3xsi8>}> : () -> tensor<8x3x3x3xsi8>
    %b1 = "qnn.constant"() <{value = dense<[106, -260, -59, -15, -80, -381, 359, -120]> : tensor<8xsi32>}> : () -> tensor<8xsi32>
    %acc = "qnn.conv2d"(%image, %w1, %b1) <{pads = array<i64: 1, 1, 1, 1>}> : (!img, tensor<8x3x3x3xsi8>, tensor<8xsi32>) -> tensor<1x8x8x8xsi32>
    %act = "qnn.requant"(%acc) <{max = 255, min = 0, mul = dense<[20, 35, 20, 24, 27, 36, 34, 32]> : tensor<8xsi32>, shift = 10}> : (tensor<1x8x8x8xsi32>) -> tensor<1x8x8x8xui8>
    %pool = "qnn.maxpool"(%act) <{kernel = array<i64: 2, 2>}> : (tensor<1x8x8x8xui8>) -> tensor<1x4x4x8xui8>
    %gap = "qnn.global_avgpool"(%pool) : (tensor<1x4x4x8xui8>) -> tensor<1x1x1x8xui8>
    %flat = "qnn.flatten"(%gap) : (tensor<1x1x1x8xui8>) -> tensor<1x8xui8>
    %w2 = "qnn.constant"() <{value = dense<"0xFC1130332001DCD1EF11D7112926EDD032DB13373808F3DA1FF6E8F2D1D0F00BEEC6E7C7CAE10AEFC908353431DD2AD3E7D125C904D336DCFB39032F3BD214232DC03614E2E8E3ED3BDCDB071937252A"> : tensor<10x8xsi8>}> : () -> tensor<10x8xsi8>
    %b2 = "qnn.constant"() <{value = dense<[-98, 161, 85, 5, 123, 242, 143, 173, 184, 64]> : tensor<10xsi32>}> : () -> tensor<10xsi32>
    %logits = "qnn.linear"(%flat, %w2, %b2) : (tensor<1x8xui8>, tensor<10x8xsi8>, tensor<10xsi32>) -> tensor<1x10xsi32>
    "func.return"(%logits) : (tensor<1x10xsi32>) -> ()
  }) : () -> ()
}) : () -> ()
