"""commands.run while a background compile runs: the main thread's commands yield the CPU."""

from __future__ import annotations

import os
import sys
import threading

from uwsgi_buildpack import commands

NICENESS = [sys.executable, "-c", "import os; print(os.nice(0))"]


def niceness_of_a_command() -> int:
    return int(commands.run(NICENESS, echo=False)[-1])


def test_main_thread_commands_yield_while_a_compile_runs():
    ours = os.nice(0)
    assert niceness_of_a_command() == ours
    with commands.yield_to_background():
        assert niceness_of_a_command() == min(19, ours + commands.YIELD_NICENESS)
    assert niceness_of_a_command() == ours


def test_the_background_threads_own_commands_keep_the_builds_priority():
    ours = os.nice(0)
    seen: list[int] = []
    with commands.yield_to_background():
        thread = threading.Thread(target=lambda: seen.append(niceness_of_a_command()))
        thread.start()
        thread.join()
    assert seen == [ours]
