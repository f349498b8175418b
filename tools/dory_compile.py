"""``dory-compile``: ONNX network in, buildable C application out (`driver.compile`)."""

import sys

from dory.driver.compile import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
