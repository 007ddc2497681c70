"""commands.run while a background compile runs (the main thread's commands yield the CPU),
and commands.run_logged (a failure classified from its whole log)."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from uwsgi_buildpack import commands, errors

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


# --- run_logged: a failure is what the classifier makes of the whole log ----

# Says why far above its last lines (as pip's hash block does), then fails.
WORDY_FAILURE = [
    sys.executable,
    "-c",
    "print('Collecting six'); print('ERROR: THE MARK'); "
    "[print(f'noise {n}') for n in range(50)]; raise SystemExit(3)",
]


def _classify(text: str) -> errors.BuildError:
    if "THE MARK" in text:
        return errors.BuildError("marked", text.splitlines()[-1], code="marked")
    return errors.BuildError("unmarked", "", code="unmarked")


def test_a_failed_command_raises_what_the_classifier_makes_of_its_whole_log(capsys):
    with pytest.raises(errors.BuildError) as caught:
        commands.run_logged(WORDY_FAILURE, _classify, tail_lines=5)
    assert (caught.value.code, caught.value.body) == ("marked", "noise 49")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert "THE MARK" not in capsys.readouterr().out  # not echoed unless asked


def test_a_command_that_succeeds_returns_its_tail_and_the_classifier_is_not_asked(capsys):
    def never(text: str) -> errors.BuildError:
        raise AssertionError("classified a success")

    argv = [sys.executable, "-c", "[print(n) for n in range(10)]"]
    assert commands.run_logged(argv, never, tail_lines=3) == ["7", "8", "9"]
    assert commands.run_logged(argv, never, echo=True, filter_line=lambda line: line != "8")
    assert capsys.readouterr().out.split() == [str(n) for n in range(10) if n != 8]


def test_a_command_refused_by_a_stopping_build_is_classified_with_the_reason():
    commands.stop_running_commands()
    with pytest.raises(errors.BuildError) as caught:
        commands.run_logged(["true"], lambda text: errors.BuildError("stopped", text))
    assert caught.value.body == "(not started: the build is stopping)\n"
