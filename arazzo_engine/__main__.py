"""``python -m arazzo_engine`` is the ``arazzo`` command."""

import sys

from arazzo_engine.cli.main import main

sys.exit(main())
