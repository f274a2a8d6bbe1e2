"""``python -m gazetteer.geoparse``: write the shipped forms lexicon for the bundled extract."""

import sys

from gazetteer.geoparse.lexicon import main

sys.exit(main(sys.argv[1:]))
