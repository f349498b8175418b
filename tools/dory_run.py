"""``dory-run``: run a function of a dory IR file with the reference interpreter (`driver.run`)."""

import sys

from dory.driver.run import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
