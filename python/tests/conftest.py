"""Makes the driver package (python/filmdex_spark) importable in the tests; the `filmdex` wheel
must be installed."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
