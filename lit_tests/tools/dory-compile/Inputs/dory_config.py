"""Write a DORY-style example for the --dory-config lit test: DIR/net/network.onnx (tests/rqs_graphs.py's
autoencoder), DIR/net/input_K.txt (K < N, DORY's text format, signed 2-bit values) and DIR/config.json
with the given keys (JSON after the directory: python dory_config.py DIR N '{"n_inputs": 3}')."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "tests"))

import numpy as np  # noqa: E402

import rqs_graphs  # noqa: E402

out, n, conf = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
d = rqs_graphs.write("autoencoder", out)
os.replace(d, os.path.join(out, "net"))
rng = np.random.default_rng(1)
for k in range(n):
    vals = rng.integers(-2, 2, size=128)
    with open(os.path.join(out, "net", f"input_{k}.txt"), "w") as f:
        f.write(f"# input_{k} (shape [128]),\n" + "".join(f"{v},\n" for v in vals))
with open(os.path.join(out, "config.json"), "w") as f:
    json.dump(conf, f, indent=1)
