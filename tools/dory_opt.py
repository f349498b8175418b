"""``dory-opt``: parse dory IR, run a pass pipeline, print the result (`driver.opt`)."""

import sys

from dory.driver.opt import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
