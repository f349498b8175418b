"""``dory-netgen``: write one of dory's generated example networks as ONNX (`driver.netgen`)."""

import sys

from dory.driver.netgen import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
