"""`python -m modelspec`: the `modelspec` command (`cli.main`)."""

import sys

from .cli import main

sys.exit(main())
