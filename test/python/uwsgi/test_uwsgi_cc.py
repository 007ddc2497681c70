"""bin/support/uwsgi-cc: the compiler uWSGI's build runs, with precompiled headers.

Compiled with the real gcc, on a small tree laid out like uWSGI's sources:
uwsgi.h at the top, core files including it first, and the python plugin's
files including plugins/python/uwsgi_python.h first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

LAUNCHER = Path(__file__).resolve().parents[3] / "bin" / "support" / "uwsgi-cc"

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

HEADER = """\
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
struct uwsgi_server { int workers; char name[UWSGI_NAME_LEN]; };
static inline int uwsgi_twice(int x) { return 2 * x; }
"""

FLAGS = ["-O2", "-I.", "-Wall", "-DUWSGI_NAME_LEN=64", '-DUWSGI_VERSION="\\"2.0.31\\""']


def make_tree(root: Path) -> None:
    (root / "core").mkdir(parents=True)
    (root / "plugins" / "python").mkdir(parents=True)
    (root / "uwsgi.h").write_text(HEADER)
    (root / "core" / "a.c").write_text(
        '#include "uwsgi.h"\n'
        "int core_a(struct uwsgi_server *u) { return uwsgi_twice(u->workers); }\n"
    )
    (root / "core" / "b.c").write_text(
        '#include "../uwsgi.h"\nint core_b(void) { return (int) strlen(UWSGI_VERSION); }\n'
    )
    (root / "plugins" / "python" / "uwsgi_python.h").write_text(
        "#include <uwsgi.h>\n#include <math.h>\n"
    )
    (root / "plugins" / "python" / "p.c").write_text(
        '#include "uwsgi_python.h"\ndouble py_p(double x) { return sqrt(x) + uwsgi_twice(1); }\n'
    )
    (root / "plugins" / "ping.c").write_text(
        '#include <stdio.h>\nint ping(void) { return puts("pong"); }\n'
    )


def compile_with(cc: list[str], root: Path, source: str, obj: str, *extra: str):
    env = {**os.environ, "UWSGI_BP_REAL_CC": "gcc"}
    return subprocess.run(
        [*cc, "-c", *FLAGS, *extra, "-o", obj, source],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_makes_the_precompiled_headers_and_the_objects_do_not_change(tmp_path):
    plain, launched = tmp_path / "plain", tmp_path / "launched"
    make_tree(plain)
    make_tree(launched)
    sources = ["core/a.c", "core/b.c", "plugins/python/p.c", "plugins/ping.c"]
    for source in sources:
        assert compile_with(["gcc"], plain, source, source[:-2] + ".o").returncode == 0
        result = compile_with([str(LAUNCHER)], launched, source, source[:-2] + ".o")
        assert result.returncode == 0, result.stderr
    assert (launched / "uwsgi.h.gch").is_file()
    assert (launched / "plugins" / "python" / "uwsgi_python.h.gch").is_file()
    assert not list(launched.rglob("*.gch-tmp")) and not list(launched.rglob("*.gch-failed"))
    for source in sources:
        obj = source[:-2] + ".o"
        assert (plain / obj).read_bytes() == (launched / obj).read_bytes(), obj


def test_the_compiler_reads_the_precompiled_header(tmp_path):
    make_tree(tmp_path)
    compile_with([str(LAUNCHER)], tmp_path, "core/a.c", "core/a.o")
    # gcc -H prints "! NAME.gch" for a precompiled header it used.
    used = compile_with([str(LAUNCHER)], tmp_path, "core/b.c", "core/b.o", "-H")
    assert "! core/../uwsgi.h.gch" in used.stderr or "! ./uwsgi.h.gch" in used.stderr


def test_a_header_that_cannot_be_precompiled_leaves_the_compile_as_it_was(tmp_path):
    make_tree(tmp_path)
    # gcc cannot write its output where a directory stands.
    (tmp_path / "uwsgi.h.gch-tmp").mkdir()
    result = compile_with([str(LAUNCHER)], tmp_path, "core/a.c", "core/a.o")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "core" / "a.o").is_file()
    assert (tmp_path / "uwsgi.h.gch-failed").exists()
    assert not (tmp_path / "uwsgi.h.gch").exists()
    # Remembered: the next file does not try again.
    assert compile_with([str(LAUNCHER)], tmp_path, "core/b.c", "core/b.o").returncode == 0
    assert not (tmp_path / "uwsgi.h.gch").exists()


def test_a_failing_compile_still_fails_with_the_compilers_message(tmp_path):
    make_tree(tmp_path)
    (tmp_path / "core" / "bad.c").write_text('#include "uwsgi.h"\nint bad(void) { return x; }\n')
    result = compile_with([str(LAUNCHER)], tmp_path, "core/bad.c", "core/bad.o")
    assert result.returncode != 0
    assert "undeclared" in result.stderr and "core/bad.c:2" in result.stderr


def test_parallel_compiles_make_one_header_and_all_succeed(tmp_path):
    make_tree(tmp_path)
    for n in range(6):
        (tmp_path / "core" / f"c{n}.c").write_text(
            f'#include "uwsgi.h"\nint c{n}(void) {{ return uwsgi_twice({n}); }}\n'
        )
    results = {}

    def one(n: int) -> None:
        results[n] = compile_with([str(LAUNCHER)], tmp_path, f"core/c{n}.c", f"core/c{n}.o")

    threads = [threading.Thread(target=one, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result.returncode == 0 for result in results.values())
    assert (tmp_path / "uwsgi.h.gch").is_file()
    assert not list(tmp_path.glob("uwsgi.h.gch-tmp"))


def test_a_link_command_passes_through(tmp_path):
    (tmp_path / "main.c").write_text("int main(void) { return 3; }\n")
    env = {**os.environ, "UWSGI_BP_REAL_CC": "gcc -pthread"}
    subprocess.run([str(LAUNCHER), "-o", "prog", "main.c"], cwd=tmp_path, env=env, check=True)
    assert subprocess.run([str(tmp_path / "prog")], check=False).returncode == 3


def test_a_checkout_path_with_a_space_still_compiles_through_the_launcher(tmp_path, monkeypatch):
    """uwsgiconfig.py pastes CC unquoted into `sh -c` command lines (its
    `"%s -c %s -o %s %s" % (GCC, ...)`): CC must be one word for the shell."""
    from uwsgi_buildpack.uwsgi import compile as uwsgi_build

    checkout = tmp_path / "my apps" / "uwsgi buildpack" / "bin" / "support"
    checkout.mkdir(parents=True)
    shutil.copy2(LAUNCHER, checkout / "uwsgi-cc")
    monkeypatch.setattr(uwsgi_build, "CC_LAUNCHER", checkout / "uwsgi-cc")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    cc = uwsgi_build._launcher(scratch)
    assert cc is not None and " " not in cc
    make_tree(tmp_path / "src")
    env = {**os.environ, "UWSGI_BP_REAL_CC": "gcc"}
    for source in ("core/a.c", "plugins/python/p.c"):
        cmdline = "%s -c %s -o %s %s" % (cc, " ".join(FLAGS), source[:-2] + ".o", source)  # noqa: UP031
        result = subprocess.run(
            cmdline, shell=True, cwd=tmp_path / "src", env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
    # It is the launcher that ran: it made the precompiled headers.
    assert (tmp_path / "src" / "uwsgi.h.gch").is_file()
    assert (tmp_path / "src" / "plugins" / "python" / "uwsgi_python.h.gch").is_file()


def test_without_a_space_the_launcher_is_run_from_the_checkout(tmp_path):
    from uwsgi_buildpack.uwsgi import compile as uwsgi_build

    assert uwsgi_build._launcher(tmp_path) == str(uwsgi_build.CC_LAUNCHER)
    assert not (tmp_path / "uwsgi-cc").exists()
