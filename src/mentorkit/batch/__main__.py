"""Run the streaming batch: ``python -m mentorkit.batch --help``."""

import sys

from ._cli import main

sys.exit(main())
