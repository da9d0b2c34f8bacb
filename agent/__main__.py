"""`python -m agent` runs the agent like the `telecentre-agent` script.

`python -m agent ui …` (how the service starts the lock screen) imports only
what the lock screen needs: no TLS, no SQLite, a few MB less resident.
"""

import sys

if sys.argv[1:2] == ["ui"]:
    from agent.uiproc import main as ui_main

    sys.exit(ui_main(sys.argv[2:]))

from agent.cli import main  # noqa: E402

sys.exit(main())
