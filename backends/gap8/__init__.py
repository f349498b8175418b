"""The GAP8 target: its hardware description (`backends.gap8.hw`) and, later, the C emitter.

Submodules are imported on use (``from backends.gap8.hw import GAP8``), so importing the package
costs nothing.
"""
