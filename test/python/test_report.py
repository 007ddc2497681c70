"""bin/report's YAML."""

import ast
import subprocess
from pathlib import Path

from uwsgi_buildpack import errors, report

ROOT = Path(__file__).resolve().parents[2]


def test_a_saved_report_prints_as_yaml(tmp_path):
    r = report.BuildReport(tmp_path)
    r.set("python_version", "3.12.1")
    r.set("duration_seconds", 1.25)
    r.cache("python", "reused", "Python 3.12.1")
    with r.timed("python"):
        pass
    r.save()
    text = report.to_yaml(tmp_path)
    assert text.startswith("---\n")
    assert 'python_version: "3.12.1"\n' in text
    assert "duration_seconds: 1.25\n" in text
    assert 'cache:\n  python: "reused (Python 3.12.1)"\n' in text
    assert "step_seconds:\n  python: " in text


def test_a_failed_build_says_why_without_a_traceback(tmp_path):
    class Failure(Exception):
        title = 'Python "3.7" is end-of-life'

    r = report.BuildReport(tmp_path)
    r.failed(Failure())
    r.save()
    text = report.to_yaml(tmp_path)
    assert 'outcome: "failure"\n' in text
    assert 'failure: "Python \\"3.7\\" is end-of-life"\n' in text


def test_no_report_yet_is_an_empty_map(tmp_path):
    assert report.to_yaml(tmp_path) == "---\n{}\n"


def test_each_warning_is_listed_by_its_code_once_in_the_order_printed(tmp_path):
    r = report.BuildReport(tmp_path)
    r.warned(errors.lock_generated_notice(3))
    r.warned(errors.fallback_app_warning())
    r.warned(errors.lock_generated_notice(4))
    r.save()
    text = report.to_yaml(tmp_path)
    assert 'warnings:\n  - "requirements::not-locked"\n  - "entrypoint::fallback"\ncache:' in text


def test_a_build_without_warnings_lists_none(tmp_path):
    report.BuildReport(tmp_path).save()
    assert "\nwarnings: []\n" in report.to_yaml(tmp_path)


def test_a_failed_build_lists_the_warnings_printed_before_it_failed(tmp_path):
    r = report.BuildReport(tmp_path)
    r.warned(errors.fallback_app_warning())
    r.failed(errors.hook_failed("post_compile", 2, ["oops"]))
    r.save()
    text = report.to_yaml(tmp_path)
    assert 'failure_reason: "hook::failed"\n' in text
    assert 'warnings:\n  - "entrypoint::fallback"\n' in text


def test_bin_report_prints_the_warnings_codes(tmp_path):
    cache_dir = tmp_path / "cache"
    r = report.BuildReport(cache_dir)
    r.warned(errors.lock_outdated_warning([(2, "six", "is not pinned in requirements.txt")]))
    r.save()
    printed = subprocess.run(
        [ROOT / "bin" / "report", tmp_path / "app", cache_dir, tmp_path / "env"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert printed.stderr == ""
    assert '\nwarnings:\n  - "requirements::lock-outdated"\n' in printed.stdout


def _warning_calls(function: ast.AST) -> tuple[list[str], list[str]]:
    """What a function passes to output.warning, and to some report's `warned`."""
    printed, recorded = [], []
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            argument = ast.unparse(node.args[0])
            if ast.unparse(node.func) == "output.warning":
                printed.append(argument)
            elif node.func.attr == "warned":
                recorded.append(argument)
    return printed, recorded


def test_every_warning_the_build_prints_is_recorded_in_the_report():
    # output.warning only prints: the caller records the same message too.
    sites = 0
    for path in (ROOT / "lib" / "uwsgi_buildpack").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef):
                printed, recorded = _warning_calls(function)
                sites += len(printed)
                assert printed == recorded, f"{path.name}: {function.name}"
    assert sites >= 4
