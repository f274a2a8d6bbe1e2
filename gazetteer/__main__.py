"""``python -m gazetteer ...``: the ``gazetteer`` command, where the script is not on PATH."""

import sys

from gazetteer.cli import main

if __name__ == "__main__":
    sys.exit(main())
