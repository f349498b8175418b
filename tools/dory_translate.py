"""``dory-translate``: convert between dory IR and other formats (`driver.translate`)."""

import sys

from dory.driver.translate import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
