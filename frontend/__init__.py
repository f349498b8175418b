"""Frontends: ONNX (NEMO / QuantLab integer exports) into the qnn dialect."""
