"""The app's packages: pip's failures, hashes, locks, and each package manager's lock.

pip and pip-compile (requirements.txt, requirements.in), the choice of one
package manager, and Pipenv's, uv's and Poetry's locks.
"""

from __future__ import annotations

from collections.abc import Sequence

from .core import BuildError, Message, _coded, _quote
from .records import _Manager

# --- pip and pip-compile --------------------------------------------------


@_coded("requirements::install-failed")
def pip_install_failed(requirements: str, tail: Sequence[str]) -> BuildError:
    """pip failed while installing the app's requirements."""
    return BuildError(
        f"Unable to install the packages in {requirements}.",
        f"""\
pip failed. Its last lines of output:
{_quote(tail[-20:])}

Check {requirements} for typos, versions that do not exist, or
conflicting pins, then push again.""",
    )


@_coded("requirements::pins-conflict")
def pinned_requirements_conflict(requirements: str, problems: Sequence[str]) -> BuildError:
    """pip check, after installing a requirements.txt of `==` pins as it is, found a conflict."""
    return BuildError(
        f"The versions pinned in {requirements} do not work together.",
        f"""\
{requirements} pins every package with ==, so the build installed exactly
those versions, then asked pip whether they fit together (pip check). They
do not:
{_quote(problems[-20:])}

Change the pins it names so that they agree (locally: pip install -r
{requirements}, then pip check, then pip freeze > {requirements}), commit
{requirements} and push again.""",
    )


@_coded("requirements::hash-mismatch")
def hash_mismatch(requirements: str, packages: Sequence[str], manager: _Manager) -> BuildError:
    """pip's hash-checking mode refused a download.

    `requirements` is the file the user wrote: requirements.txt, or a
    package manager's lock (whose hashes only that manager should rewrite,
    with its `rehash_command`).
    """
    names = "\n".join(f"  {name}" for name in packages)
    lock = manager.lock is not None
    command = manager.rehash_command
    pins = "records the sha256 of every file" if lock else "pins packages with --hash"
    return BuildError(
        f"A package in {requirements} does not match its {'hash' if lock else '--hash'}.",
        f"""\
{requirements} {pins}, so pip installs only files whose
sha256 matches. These did not:
{names}

Either the hash in {requirements} is wrong (for example, copied from another
version or platform), or the index served a different file than the one that
was locked. Make the hashes again on your machine:
    {command}
and commit {requirements}. Never delete a hash to make a build pass
without knowing why it changed.""",
    )


@_coded("requirements::lock-failed")
def lock_failed(source: str, tail: Sequence[str]) -> BuildError:
    """pip-compile could not lock the app's requirements."""
    return BuildError(
        f"Unable to lock the requirements in {source}.",
        f"""\
pip-compile could not turn {source} into a lock of exact versions.
Its last lines of output:
{_quote(tail[-20:])}

Check {source} for typos, versions that do not exist and requirements that
conflict with each other. Running `pip-compile {source}` on your machine shows
the same problem with more detail.""",
    )


@_coded("requirements::lock-outdated")
def lock_outdated_warning(problems: Sequence[tuple[int, str, str]]) -> Message:
    """requirements.txt no longer satisfies requirements.in."""
    lines = "\n".join(f"  requirements.in line {n}: {text} {why}" for n, text, why in problems[:15])
    return Message(
        "requirements.txt is out of date with requirements.in.",
        f"""\
The app has both files, so requirements.txt is the lock and is what gets
installed. But it does not satisfy requirements.in:
{lines}

You probably edited requirements.in without locking it again. Run
    pip-compile requirements.in
and commit the new requirements.txt.""",
    )


@_coded("requirements::not-locked")
def lock_generated_notice(pins: int) -> Message:
    """The app has requirements.in but no lock."""
    return Message(
        "requirements.in is not locked.",
        f"""\
The app has a requirements.in but no requirements.txt, so the build locked it
with pip-compile ({pins} pinned packages). The lock is reused while
requirements.in stays the same, but a new lock is made whenever it changes or
the build cache is cleared, and may then pick newer versions.

To deploy exactly what you tested, lock on your machine and commit the lock:
    pip-compile requirements.in
    git add requirements.txt
The lock this build used is in the slug: heroku run cat requirements.txt""",
    )


# --- Package managers -------------------------------------------------------


@_coded("package-manager::multiple")
def multiple_package_managers(found: Sequence[tuple[_Manager, Sequence[str]]]) -> BuildError:
    """Files of two package managers (each with its files there): which one is current?"""
    listed = "\n".join(f"  {', '.join(files)}  ({manager.label})" for manager, files in found)
    names = " and ".join(manager.label for manager, _ in found)
    deletes = "\n".join(
        f"  - if you use {keep.label}, delete "
        + ", ".join(f for manager, files in found if manager != keep for f in files)
        for keep, _ in found
    )
    return BuildError(
        f"The app has the files of two package managers: {names}.",
        f"""\
These files each say which packages to install:
{listed}

Only one package manager may decide, or the build could install something
else than you tested. Keep the files of the one you use and delete the
others' (with `git rm`), then push again:
{deletes}""",
    )


@_coded("package-manager::pipfile-not-locked")
def pipfile_not_locked() -> BuildError:
    """A Pipfile without its Pipfile.lock."""
    return BuildError(
        "The app has a Pipfile but no Pipfile.lock.",
        """\
Pipfile lists the app's packages loosely; Pipfile.lock pins the exact
versions (and their hashes) that Pipenv installs. Without it, the build
would have to choose versions itself, and deploy something else than you
tested. Make the lock on your machine and commit it:
    pipenv lock
    git add Pipfile.lock""",
    )


@_coded("package-manager::not-locked")
def project_not_locked(manager: _Manager) -> BuildError:
    """pyproject.toml configures Poetry or uv, but their lock is missing."""
    name, lock = manager.label, manager.lock
    return BuildError(
        f"pyproject.toml uses {name}, but the app has no {lock}.",
        f"""\
pyproject.toml has a [tool.{manager.name}] table: the app's packages are managed
with {name}, which pins them in {lock}, and the app has no {lock}.
Without it, the build would have to choose versions itself, and deploy
something else than you tested. Make the lock on your machine and commit it:
    {manager.lock_command}
    git add {lock}""",
    )


@_coded("package-manager::pyproject-unreadable")
def pyproject_unreadable(problem: str, supported: bool) -> BuildError:
    """pyproject.toml is not TOML, or uses TOML the build image's Python 3.10 cannot read."""
    if supported:
        return BuildError(
            "Unable to read pyproject.toml.",
            f"""\
pyproject.toml does not parse as TOML: {problem}.

The build reads it to know how the project is installed (its [build-system],
[tool.uv] and [tool.poetry] tables), as pip, uv and Poetry would. Fix the
line, check it on your machine with
    python3 -c "import tomllib; tomllib.load(open('pyproject.toml', 'rb'))"
and push again.""",
        )
    return BuildError(
        "Unable to read pyproject.toml on this stack.",
        f"""\
pyproject.toml uses TOML that this build image's Python 3.10 cannot read
here ({problem}): its standard library has no TOML parser, and the build
reads only the common part of TOML with it (tables, strings, numbers,
booleans, arrays, inline tables).

Write that value in one of those forms (a date as a string, for example), or
move the app to a newer stack, whose Python reads all of TOML:
    heroku stack:set heroku-24""",
    )


@_coded("pipfile-lock::invalid")
def pipfile_lock_invalid(line: int, problem: str) -> BuildError:
    """Pipfile.lock is not the JSON Pipenv writes."""
    where = f"Pipfile.lock, line {line}" if line else "Pipfile.lock"
    return BuildError(
        "Unable to read Pipfile.lock.",
        f"""\
{where}: {problem}.

Pipfile.lock is written by Pipenv, as JSON; it was probably edited by hand
or left with merge-conflict markers. Make it again and commit it:
    pipenv lock
    git add Pipfile.lock""",
    )


@_coded("pipfile-lock::pipfile-invalid")
def pipfile_invalid(problem: str) -> BuildError:
    """The Pipfile next to Pipfile.lock is not TOML."""
    return BuildError(
        "Unable to read Pipfile.",
        f"""\
Pipfile does not parse as TOML: {problem}.

Fix it, then lock again and commit both files:
    pipenv lock
    git add Pipfile Pipfile.lock""",
    )


@_coded("pipfile-lock::outdated")
def pipfile_lock_outdated(recorded: str) -> BuildError:
    """Pipfile changed after Pipfile.lock was made."""
    return BuildError(
        "Pipfile.lock is out of date with Pipfile.",
        f"""\
Pipfile changed after Pipfile.lock was made: the lock records Pipfile's
hash as {recorded}..., which is not the hash of the Pipfile being built.
Installing the lock would deploy other packages than Pipfile asks for
(Pipenv's `pipenv install --deploy` refuses it the same way). Lock again on
your machine and commit the lock:
    pipenv lock
    git add Pipfile.lock""",
    )


@_coded("pipfile-lock::unhashed")
def pipfile_lock_unhashed(packages: Sequence[str]) -> BuildError:
    """Packages of Pipfile.lock without a version and hashes (VCS, path, URL)."""
    names = "\n".join(f"  {name}" for name in packages[:15])
    return BuildError(
        "Pipfile.lock has packages without hashes.",
        f"""\
The build installs Pipfile.lock in pip's hash-checking mode, so that every
file is the one that was locked. These packages of its "default" section
have no exact version with hashes (they come from a VCS, a local path or a
URL):
{names}

Publish them to a package index (a private one works: set PIP_EXTRA_INDEX_URL)
and depend on a released version, then lock again:
    pipenv lock""",
    )


def _lock_outdated(
    lock: str, found: str, tail: Sequence[str], advice: str, command: str
) -> BuildError:
    """uv's or Poetry's `lock` no longer matches pyproject.toml.

    `found` says how the build knows, `tail` is what the tool printed, `advice`
    what installing the lock would do and who else refuses it; the message ends
    with `command`, which makes the lock again, and `git add`.
    """
    return BuildError(
        f"{lock} is out of date with pyproject.toml.",
        f"""\
pyproject.toml changed after {lock} was made ({found}):
{_quote(tail[-10:])}

{advice}
    {command}
    git add {lock}""",
    )


@_coded("uv-lock::outdated")
def uv_lock_outdated(tail: Sequence[str]) -> BuildError:
    """uv.lock no longer matches pyproject.toml.

    `tail` is the end of what `uv lock --check` printed.
    """
    return _lock_outdated(
        "uv.lock",
        "`uv lock --check` failed",
        tail,
        """\
Installing the lock would deploy other packages than pyproject.toml asks
for (uv's own `uv sync --locked` refuses it the same way). Lock again on
your machine and commit the lock:""",
        "uv lock",
    )


@_coded("poetry-lock::outdated")
def poetry_lock_outdated(tail: Sequence[str]) -> BuildError:
    """poetry.lock no longer matches pyproject.toml.

    `tail` is the end of what `poetry export` printed: it checks the lock
    first, as `poetry check --lock` does.
    """
    return _lock_outdated(
        "poetry.lock",
        "Poetry says",
        tail,
        """\
Installing the lock would deploy other packages than pyproject.toml asks
for (Poetry's own `poetry install` and `poetry check --lock` refuse it the
same way). Lock again on your machine and commit the lock:""",
        "poetry lock",
    )


@_coded("uv-lock::export-failed")
def uv_export_failed(tail: Sequence[str]) -> BuildError:
    """`uv export --frozen` could not read uv.lock."""
    return BuildError(
        "Unable to read uv.lock.",
        f"""\
`uv export --frozen --no-dev --no-emit-project` failed on uv.lock:
{_quote(tail[-15:])}

uv.lock is written by uv; it was probably edited by hand or left with
merge-conflict markers. Make it again and commit it:
    uv lock
    git add uv.lock""",
    )


@_coded("poetry-lock::export-failed")
def poetry_export_failed(tail: Sequence[str]) -> BuildError:
    """`poetry export` could not read poetry.lock or pyproject.toml."""
    return BuildError(
        "Unable to export poetry.lock.",
        f"""\
`poetry export --only main --format requirements.txt` failed:
{_quote(tail[-15:])}

Either pyproject.toml is not valid for Poetry, or poetry.lock was edited by
hand or left with merge-conflict markers. Check both on your machine, lock
again and commit them:
    poetry check --lock
    poetry lock
    git add pyproject.toml poetry.lock""",
    )


# --- A hash-pinned lock that does not pin every package pip needs ----------


@_coded("requirements::not-all-pinned")
def not_all_pinned(
    requirements: str,
    missing: Sequence[tuple[str, str]],
    locked: Sequence[str] | None,
    manager: _Manager,
) -> BuildError:
    """pip's hash-checking mode needed packages the file it was given does not pin.

    `missing` is (package, what requires it); `locked` the missing packages
    the manager's lock does record (None: unknown, or not a manager's lock).
    """
    names = "\n".join(
        f"  {name}" + (f"  (required by {parent})" if parent else "") for name, parent in missing
    )
    if manager.lock is None:
        return BuildError(
            f"{requirements} pins hashes but not every package it needs.",
            f"""\
{requirements} has --hash options, so pip installs it in hash-checking mode,
where every package, dependencies included, must be pinned with == and its
hashes. These are required but not pinned:
{names}

Lock again with every dependency and its hashes, and commit the file:
    {manager.rehash_command}""",
        )
    label, lock = manager.label, manager.lock
    if locked:
        them = "it" if len(locked) == 1 else "them"
        cause = f"""\
{lock} does lock {", ".join(locked)}: the export left {them} out. That is
a fault of the export (the buildpack's own {label}), not of your lock; please
report it with this build log. Locking again with a current {label} writes
the same versions in a form the export reads, and works around it:
    {manager.lock_command}
and commit {lock}."""
    else:
        cause = f"""\
{lock} does not lock {"them" if len(missing) > 1 else "it"}, though a package it locks requires
{"them" if len(missing) > 1 else "it"}: the lock is incomplete (edited by hand, or made from another
pyproject.toml). Lock again and commit it:
    {manager.lock_command}"""
    return BuildError(
        f"pip needs packages the export of {lock} does not pin.",
        f"""\
The build exported {lock} to a hash-pinned requirements file, which pip
installs in hash-checking mode: every package must be in it. These are
required but were not exported:
{names}

{cause}""",
    )
