"""bin/report's YAML."""

from uwsgi_buildpack import report


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
