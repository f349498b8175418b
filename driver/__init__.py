"""dory's library driver: everything the command-line tools do, so ``tools/`` holds only entry points.

- `driver.split`: ``--split-input-file`` (the ``// -----`` marker, near-miss warnings) and the
  per-chunk loop shared by every text-IR tool, including ``--verify-diagnostics``
- `driver.expect`: the ``expected-error@+N {{...}}`` directives ``--verify-diagnostics`` checks
- `driver.instrument`: pass instrumentations (``--print-ir-*``, ``--verify-semantics``)
- `driver.opt`, `driver.translate`, `driver.run`, `driver.compile`: the four tools
- `driver.cli`: the usage-error type and reading a text input (or stdin)
- `driver.inputs`: network inputs from ``.npy`` or DORY ``input.txt`` files
- `driver.reference`: DORY's per-layer reference files (``--reference``)
- `driver.outdir`: output directories written atomically
- `driver.netgen`: the generated example networks (``dory-netgen``)
"""
