"""User interfaces: `console` (JSON lines, for headless PCs and tests) and `tk` (the lock screen).

Each UI has `emit(event_dict)` (called from any thread) and `run(agent)`
(blocks the main thread, returns the exit status). The tk module is imported
only when chosen, so machines without Tk never need it.
"""


def select(name, t, kind):
    """Return the UI called `name`."""
    if name == "tk":
        from agent.ui.tk import TkUI

        return TkUI(t, kind)
    from agent.ui.console import ConsoleUI

    return ConsoleUI()
