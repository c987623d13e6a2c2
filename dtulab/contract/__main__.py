"""``python -m dtulab.contract``: write (or --check) the files generated from the contract."""

import sys

from dtulab.contract import main

sys.exit(main())
