#!/bin/sh
# Package managers' locks, installed exactly: Pipfile.lock (Pipenv), uv.lock,
# poetry.lock.
# The locks are made here by the real tools (pinned, installed into a
# throwaway virtualenv), not committed: a lock names the package index's host.
# Every build shares the suite's cache, so uWSGI is compiled once.
# shellcheck source=testrunner/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=helpers.sh
. "${BUILDPACK_HOME}/test/helpers.sh"

PIPENV_VERSION=2026.10.3
UV_VERSION=0.13.9
POETRY_VERSION=2.5.1
# The Poetry most locks in use were made with (lock-version 2.0).
POETRY_1_VERSION=1.8.5

oneTimeSetUp() {
	start_suite
	TOOLS_VENV="${SHUNIT_TMPDIR}/lock-tools"
	if ! { python3 -m venv "${TOOLS_VENV}" &&
		"${TOOLS_VENV}/bin/pip" install --quiet "pipenv==${PIPENV_VERSION}" "uv==${UV_VERSION}" \
			"poetry==${POETRY_VERSION}"; } >"${SHUNIT_TMPDIR}/tools.log" 2>&1; then
		fail "installing pipenv, uv and Poetry failed: $(tail -n 5 "${SHUNIT_TMPDIR}/tools.log")"
	fi
	# The index pip uses (PIP_INDEX_URL, pip's configuration, else pip's
	# default), asked of pip rather than written here.
	INDEX_URL=${PIP_INDEX_URL:-$("${TOOLS_VENV}/bin/pip" config get global.index-url 2>/dev/null)} ||
		INDEX_URL=$("${TOOLS_VENV}/bin/python" -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)')
}

oneTimeTearDown() {
	end_suite
}

# new_app: BUILD_DIR becomes an app on Python 3.12 whose wsgi.py answers with
# the versions of the packages installed (or "absent").
new_app() {
	rm -rf "${BUILD_DIR}"
	mkdir -p "${BUILD_DIR}"
	echo "3.12" >"${BUILD_DIR}/.python-version"
	cat >"${BUILD_DIR}/wsgi.py" <<'PY'
import importlib.metadata


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    found = []
    for name in ("six", "markupsafe", "iniconfig", "uv-app", "poetry-app"):
        try:
            found.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name}=absent")
    return [" ".join(found).encode()]
PY
}

# pipenv_app [PACKAGE=SPEC...]: BUILD_DIR becomes an app whose Pipfile has
# these packages, iniconfig as a dev-package, and a wsgi.py that answers with
# the installed versions; locked with the real pipenv.
pipenv_app() {
	new_app
	{
		printf '[[source]]\nname = "pypi"\nurl = "%s"\nverify_ssl = true\n\n[packages]\n' "${INDEX_URL}"
		for pair in "$@"; do printf '%s = "%s"\n' "${pair%%=*}" "${pair#*=}"; done
		printf '\n[dev-packages]\niniconfig = "*"\n'
	} >"${BUILD_DIR}/Pipfile"
	(cd "${BUILD_DIR}" && PIPENV_IGNORE_VIRTUALENVS=1 PIPENV_VENV_IN_PROJECT=1 PIPENV_YES=1 \
		nice "${TOOLS_VENV}/bin/pipenv" lock --python "${TOOLS_VENV}/bin/python" >"${OUTPUT_DIR}/pipenv.log" 2>&1) ||
		fail "pipenv lock failed: $(tail -n 5 "${OUTPUT_DIR}/pipenv.log")"
	rm -rf "${BUILD_DIR}/.venv"
}

testPipfileLockIsInstalledExactlyAndSyncedOnlyWhenItChanges() {
	pipenv_app six='==1.16.0' markupsafe='*'
	assertEquals "the lock pins six below PyPI's newest" '"==1.16.0"' \
		"$(grep -A8 '"six"' "${BUILD_DIR}/Pipfile.lock" | sed -n 's/.*"version": \(".*"\).*/\1/p')"
	cp -a "${BUILD_DIR}" "${OUTPUT_DIR}/pipenv-app"
	# pip appends to PIP_LOG on every run (set from the start: a PIP_* change
	# is a reason to sync).
	echo "${OUTPUT_DIR}/pip.log" >"${ENV_DIR}/PIP_LOG"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Installing dependencies from Pipfile.lock"
	assertCaptured "installed in pip's hash-checking mode (dev-packages are not installed; the lock matches Pipfile)"
	assertNotCaptured "pip-compile"
	move_slug
	assertServes "six=1.16.0 markupsafe=3." /
	assertFileContains "the dev-package is not installed" "iniconfig=absent" "${BODY_FILE}"

	# Unchanged lock: pip does not run.
	cp -a "${OUTPUT_DIR}/pipenv-app" "${BUILD_DIR}"
	assertTrue "pip ran in the first build" "[ -s '${OUTPUT_DIR}/pip.log' ]"
	: >"${OUTPUT_DIR}/pip.log"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Installed packages: reusing cache, pip not run (Pipfile.lock, Pipfile, uWSGI"
	assertEquals "pip did not run" 0 "$(wc -c <"${OUTPUT_DIR}/pip.log")"

	# A package removed from the lock is gone after the warm build.
	pipenv_app six='==1.16.0'
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Installed packages: syncing (Pipfile.lock changed)"
	move_slug
	assertServes "six=1.16.0 markupsafe=absent iniconfig=absent" /
	rm -f "${ENV_DIR}/PIP_LOG"
}

testStalePipfileLockFailsWithTheLockCommand() {
	pipenv_app six='==1.16.0'
	printf 'idna = "*"\n' >>"${BUILD_DIR}/Pipfile"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError 1 " !     Error: Pipfile.lock is out of date with Pipfile."
	assertCaptured "    pipenv lock"
	assertNotCaptured "Traceback"
}

# uv_app DEPENDENCY...: BUILD_DIR becomes a uv project (iniconfig in the dev
# group; a package when BUILD_SYSTEM is set), locked with the real uv.
uv_app() {
	new_app
	{
		printf '[project]\nname = "uv-app"\nversion = "0.1.0"\nrequires-python = ">=3.10"\ndependencies = ['
		for dependency in "$@"; do printf '"%s", ' "${dependency}"; done
		printf ']\n\n[dependency-groups]\ndev = ["iniconfig"]\n'
		if [ -n "${BUILD_SYSTEM:-}" ]; then
			printf '\n[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
			printf '\n[tool.setuptools]\npy-modules = ["wsgi"]\n'
		fi
	} >"${BUILD_DIR}/pyproject.toml"
	(cd "${BUILD_DIR}" && UV_PYTHON_DOWNLOADS=never nice "${TOOLS_VENV}/bin/uv" lock \
		--python "${TOOLS_VENV}/bin/python" >"${OUTPUT_DIR}/uv.log" 2>&1) ||
		fail "uv lock failed: $(tail -n 5 "${OUTPUT_DIR}/uv.log")"
}

testUvLockIsInstalledExactlyAndSyncedOnlyWhenItChanges() {
	uv_app "six==1.16.0" markupsafe
	cp -a "${BUILD_DIR}" "${OUTPUT_DIR}/uv-app"
	echo "${OUTPUT_DIR}/pip.log" >"${ENV_DIR}/PIP_LOG"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Installing dependencies from uv.lock"
	assertCaptured "uv.lock: 2 packages, installed in pip's hash-checking mode (dev groups are not installed; the lock matches pyproject.toml)"
	assertNotCaptured "pip-compile"
	move_slug
	assertServes "six=1.16.0 markupsafe=3." /
	assertFileContains "neither the dev group nor the project (no build system)" \
		"iniconfig=absent uv-app=absent" "${BODY_FILE}"

	cp -a "${OUTPUT_DIR}/uv-app" "${BUILD_DIR}"
	: >"${OUTPUT_DIR}/pip.log"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Installed packages: reusing cache, pip not run (uv.lock, pyproject.toml, uWSGI"
	assertEquals "pip did not run" 0 "$(wc -c <"${OUTPUT_DIR}/pip.log")"

	# markupsafe removed, and the project made a package: installed, not editable.
	BUILD_SYSTEM=1 uv_app "six==1.16.0"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Installed packages: syncing (uv.lock changed)"
	assertCaptured "Installed the project itself (pip install .)"
	move_slug
	assertServes "six=1.16.0 markupsafe=absent iniconfig=absent uv-app=0.1.0" /
	rm -f "${ENV_DIR}/PIP_LOG"
}

testStaleUvLockFailsWithTheLockCommand() {
	uv_app "six==1.16.0"
	sed -i 's/"six==1.16.0"/"six==1.17.0"/' "${BUILD_DIR}/pyproject.toml"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError 1 " !     Error: uv.lock is out of date with pyproject.toml."
	assertCaptured "    uv lock"
	assertNotCaptured "Traceback"
}

# poetry_app DEPENDENCY...: BUILD_DIR becomes a project made by `poetry new`
# (iniconfig in the dev group; `package-mode = false` unless PACKAGE is set),
# with the package index's simple API as its primary source (Poetry's
# per-release JSON look-ups are not answered on every index), locked with the
# real Poetry.
poetry_app() {
	new_app
	rm -rf "${OUTPUT_DIR}/poetry-new"
	(cd "${OUTPUT_DIR}" && poetry_cli new --name poetry_app poetry-new >"${OUTPUT_DIR}/poetry.log" 2>&1) ||
		fail "poetry new failed: $(tail -n 5 "${OUTPUT_DIR}/poetry.log")"
	cp -a "${OUTPUT_DIR}/poetry-new/." "${BUILD_DIR}/"
	for dependency in "$@"; do
		sed -i "/^dependencies = \[\$/a\\    \"${dependency}\"," "${BUILD_DIR}/pyproject.toml"
	done
	{
		printf '\n[tool.poetry.group.dev.dependencies]\niniconfig = "*"\n'
		printf '\n[[tool.poetry.source]]\nname = "index"\nurl = "%s"\npriority = "primary"\n' "${INDEX_URL}"
	} >>"${BUILD_DIR}/pyproject.toml"
	if [ -z "${PACKAGE:-}" ]; then
		sed -i 's/^\[tool.poetry\]$/[tool.poetry]\npackage-mode = false/' "${BUILD_DIR}/pyproject.toml"
	fi
	(cd "${BUILD_DIR}" && poetry_cli lock >"${OUTPUT_DIR}/poetry.log" 2>&1) ||
		fail "poetry lock failed: $(tail -n 5 "${OUTPUT_DIR}/poetry.log")"
}

# poetry_cli ARG...: the test environment's Poetry, with a cache and settings of its own.
poetry_cli() {
	POETRY_CACHE_DIR="${SHUNIT_TMPDIR}/poetry-cache" POETRY_CONFIG_DIR="${SHUNIT_TMPDIR}/poetry-config" \
		POETRY_VIRTUALENVS_CREATE=false POETRY_NO_INTERACTION=1 \
		PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring nice "${TOOLS_VENV}/bin/poetry" "$@"
}

testPoetryLockIsInstalledExactlyAndSyncedOnlyWhenItChanges() {
	poetry_app "six (==1.16.0)" "markupsafe"
	assertEquals "the lock pins six below PyPI's newest" 'version = "1.16.0"' \
		"$(grep -A1 '^name = "six"$' "${BUILD_DIR}/poetry.lock" | tail -n 1)"
	assertFileContains "the lock has the dev-only package" 'name = "iniconfig"' "${BUILD_DIR}/poetry.lock"
	cp -a "${BUILD_DIR}" "${OUTPUT_DIR}/poetry-app"
	echo "${OUTPUT_DIR}/pip.log" >"${ENV_DIR}/PIP_LOG"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Installing dependencies from poetry.lock"
	assertCaptured "poetry.lock: 2 packages, installed in pip's hash-checking mode (only the main group; the lock matches pyproject.toml)"
	assertNotCaptured "pip-compile"
	assertNotCaptured "Installed the project itself"
	move_slug
	assertServes "six=1.16.0 markupsafe=3." /
	assertFileContains "neither the dev group nor the project (package-mode = false)" \
		"iniconfig=absent uv-app=absent poetry-app=absent" "${BODY_FILE}"

	# Unchanged lock: pip does not run, and the log says why.
	cp -a "${OUTPUT_DIR}/poetry-app" "${BUILD_DIR}"
	: >"${OUTPUT_DIR}/pip.log"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Installed packages: reusing cache, pip not run (poetry.lock, pyproject.toml, uWSGI"
	assertEquals "pip did not run" 0 "$(wc -c <"${OUTPUT_DIR}/pip.log")"

	# markupsafe removed, and the project made a package: installed, not editable.
	PACKAGE=1 poetry_app "six (==1.16.0)"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Installed packages: syncing (poetry.lock changed)"
	assertCaptured "Installed the project itself (pip install .)"
	move_slug
	assertServes "six=1.16.0 markupsafe=absent iniconfig=absent uv-app=absent poetry-app=0.1.0" /
	assertEquals "the project is installed, not editable" "" \
		"$(find "${SLUG_DIR:-${BUILD_DIR}}" -name 'direct_url.json' -path '*poetry_app*' -exec grep -l '"editable": true' {} + 2>/dev/null)"
	rm -f "${ENV_DIR}/PIP_LOG"
}

testStalePoetryLockFailsWithTheLockCommand() {
	poetry_app "six (==1.16.0)"
	sed -i 's/"six (==1.16.0)"/"six (==1.17.0)"/' "${BUILD_DIR}/pyproject.toml"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError 1 " !     Error: poetry.lock is out of date with pyproject.toml."
	assertCaptured "    poetry lock"
	assertCaptured "pyproject.toml changed significantly since poetry.lock was last generated"
	assertNotCaptured "Traceback"
}

testPoetryLockAndRequirementsTxtTogetherAreRefused() {
	new_app
	printf '[project]\nname = "app"\nversion = "0"\n' >"${BUILD_DIR}/pyproject.toml"
	echo '# made by Poetry' >"${BUILD_DIR}/poetry.lock"
	echo "six==1.16.0" >"${BUILD_DIR}/requirements.txt"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError 1 " !     Error: The app has the files of two package managers: pip and Poetry."
	assertCaptured "requirements.txt  (pip)"
	assertCaptured "poetry.lock  (Poetry)"
	assertCaptured "if you use Poetry, delete requirements.txt"
	assertNotCaptured "Traceback"
}

# A lock made by Poetry 1.8 (lock-version 2.0, no markers per package), as most
# locks users have are: tiangolo/full-stack-fastapi-template's backend, say.
# Exported by poetry-plugin-export's own walk, such a lock lost uvicorn[standard]'s
# uvloop (its constraint spelled one way in the dependency, another in the extra),
# and pip's hash-checking mode then refused the install.
testPoetry18LockWithMarkersIsInstalledExactly() {
	poetry1="${SHUNIT_TMPDIR}/poetry-1"
	if ! { python3 -m venv "${poetry1}" && "${poetry1}/bin/pip" install --quiet "poetry==${POETRY_1_VERSION}"; } \
		>"${OUTPUT_DIR}/poetry1-install.log" 2>&1; then
		fail "installing Poetry ${POETRY_1_VERSION} failed: $(tail -n 5 "${OUTPUT_DIR}/poetry1-install.log")"
		return
	fi
	new_app
	# The pyproject.toml Poetry 1.8 reads: [tool.poetry] only, no [project].
	cat >"${BUILD_DIR}/pyproject.toml" <<-TOML
	[tool.poetry]
	name = "poetry-one-app"
	version = "0.1.0"
	description = ""
	authors = ["Test <test@example.invalid>"]
	package-mode = false

	[tool.poetry.dependencies]
	python = "^3.10"
	uvicorn = {version = "0.32.0", extras = ["standard"]}

	[[tool.poetry.source]]
	name = "index"
	url = "${INDEX_URL}"
	priority = "primary"
	TOML
	(cd "${BUILD_DIR}" && POETRY_CACHE_DIR="${SHUNIT_TMPDIR}/poetry1-cache" \
		POETRY_CONFIG_DIR="${SHUNIT_TMPDIR}/poetry1-config" POETRY_VIRTUALENVS_CREATE=false \
		POETRY_NO_INTERACTION=1 PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring \
		nice "${poetry1}/bin/poetry" lock >"${OUTPUT_DIR}/poetry1.log" 2>&1) ||
		fail "poetry ${POETRY_1_VERSION} lock failed: $(tail -n 5 "${OUTPUT_DIR}/poetry1.log")"
	assertFileContains "made by Poetry 1.8" "@generated by Poetry ${POETRY_1_VERSION}" "${BUILD_DIR}/poetry.lock"
	assertFileContains 'lock-version = "2.0"' "${BUILD_DIR}/poetry.lock"
	assertFileContains "uvloop's marker is in the lock" \
		'uvloop = {version = ">=0.14.0,<0.15.0 || >0.15.0,<0.15.1 || >0.15.1", optional = true, markers = ' \
		"${BUILD_DIR}/poetry.lock"
	# What must be installed on the dyno (Linux, CPython 3.12): every locked
	# package at its locked version, but colorama (sys_platform == "win32")
	# and exceptiongroup (python_version < "3.11").
	sed -n 's/^name = "\(.*\)"$/\1/p' "${BUILD_DIR}/poetry.lock" >"${BUILD_DIR}/names.txt"
	expected=$(while read -r name; do
		case ${name} in
		colorama | exceptiongroup) echo "${name}=absent" ;;
		*) echo "${name}=$(grep -A1 "^name = \"${name}\"$" "${BUILD_DIR}/poetry.lock" | sed -n 's/^version = "\(.*\)"$/\1/p')" ;;
		esac
	done <"${BUILD_DIR}/names.txt" | tr '\n' ' ')
	assertContains "the lock has uvloop" "uvloop=0." "${expected}"
	cat >"${BUILD_DIR}/wsgi.py" <<-'PY'
	import importlib.metadata
	from pathlib import Path


	def application(environ, start_response):
	    start_response("200 OK", [("Content-Type", "text/plain")])
	    found = []
	    for name in Path(__file__).with_name("names.txt").read_text().split():
	        try:
	            found.append(f"{name}={importlib.metadata.version(name)}")
	        except importlib.metadata.PackageNotFoundError:
	            found.append(f"{name}=absent")
	    return [" ".join(found).encode() + b" "]
	PY
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Installing dependencies from poetry.lock"
	assertCaptured "poetry.lock is lock-version 2.0, made by Poetry 1.x, which records no markers: resolved from the lock's packages alone for Python 3.12."
	assertNotCaptured "all requirements must have their versions pinned"
	move_slug
	assertServes "${expected}" /
	assertFileContains "the marker-selected package" "uvloop=0." "${BODY_FILE}"
}
