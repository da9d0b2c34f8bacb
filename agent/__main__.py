"""`python -m agent` runs the agent like the `telecentre-agent` script."""

import sys

from agent.cli import main

sys.exit(main())
