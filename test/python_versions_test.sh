#!/bin/sh
# Every supported Python the runtime source has builds and serves, asked for by
# .python-version (minor version) and by runtime.txt (exact version); the
# version read from a real Pipenv app's Pipfile.lock and bounded by a real uv
# project's requires-python; the cached minor kept when no file names one;
# Heroku's warnings (no version named, end of life, an old pinned patch) with
# their codes in bin/report.
# The Pipenv and uv fixtures are made here by the real tools (pinned, in a
# throwaway virtualenv), with the mirror's own CPython 3.12 as the locking
# interpreter: a lock names the package index's host, so none is committed.
# shellcheck source=testrunner/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=helpers.sh
. "${BUILDPACK_HOME}/test/helpers.sh"

PIPENV_VERSION=2026.10.3
UV_VERSION=0.13.9

oneTimeSetUp() {
	start_suite
	PY312=$(mirror_version_of 3.12)
	PY313=$(mirror_version_of 3.13)
	EXTRA_PIDS=""
	TOOLS_VENV="${SHUNIT_TMPDIR}/lock-tools"
	if ! { python3 -m venv "${TOOLS_VENV}" &&
		"${TOOLS_VENV}/bin/pip" install --quiet "pipenv==${PIPENV_VERSION}" "uv==${UV_VERSION}"; } \
		>"${SHUNIT_TMPDIR}/tools.log" 2>&1; then
		fail "installing pipenv and uv failed: $(tail -n 5 "${SHUNIT_TMPDIR}/tools.log")"
	fi
	# The index pip uses (PIP_INDEX_URL, pip's configuration, else pip's
	# default), asked of pip rather than written here.
	INDEX_URL=${PIP_INDEX_URL:-$("${TOOLS_VENV}/bin/pip" config get global.index-url 2>/dev/null)} ||
		INDEX_URL=$("${TOOLS_VENV}/bin/python" -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)')
}

oneTimeTearDown() {
	for pid in ${EXTRA_PIDS}; do kill "${pid}" 2>/dev/null; done
	end_suite
}

# mirror_python X.Y: the path of the mirror's own CPython X.Y (the runtime the
# build installs), unpacked once for the suite. uv refuses to lock a project
# with an interpreter outside its requires-python, and a lock "made for 3.12"
# is best made by one. Run it with its lib/ on LD_LIBRARY_PATH (Heroku's
# archives have no rpath): `with_lib PYTHON CMD...`.
mirror_python() {
	dir="${SHUNIT_TMPDIR}/python-$1"
	if [ ! -x "${dir}/bin/python3" ]; then
		archive=$(find "${MIRROR_DIR}" -maxdepth 1 -name "python-$(mirror_version_of "$1")-ubuntu-*.tar.zst" | head -n 1)
		mkdir -p "${dir}"
		zstd -dc "${archive}" | tar -x -C "${dir}"
	fi
	echo "${dir}/bin/python3"
}

with_lib() {
	python=$1
	shift
	LD_LIBRARY_PATH="${python%/bin/python3}/lib" "$@"
}

# new_app: BUILD_DIR becomes the wsgi-app fixture's wsgi.py alone (it answers
# with the Python it runs on): no version file, no package manager's file.
new_app() {
	rm -rf "${BUILD_DIR}"
	mkdir -p "${BUILD_DIR}"
	cp "${FIXTURES}/wsgi-app/wsgi.py" "${BUILD_DIR}/"
}

# report_lists NEEDLE: bin/report of TEST_SUITE_CACHE's last build shows NEEDLE.
report_lists() {
	capture "${BUILDPACK_HOME}/bin/report" "${BUILD_DIR}" "${TEST_SUITE_CACHE}" "${ENV_DIR}"
	assertCapturedSuccess
	for needle in "$@"; do
		assertCaptured "bin/report" "${needle}"
	done
}

# buildsAndServes MINOR FILE
buildsAndServes() {
	exact=$(mirror_version_of "$1")
	assertNotEquals "the mirror has a Python $1" "" "${exact}"
	[ -n "${exact}" ] || return
	use_fixture wsgi-app
	case "$2" in
	.python-version) echo "$1" >"${BUILD_DIR}/.python-version" ;;
	runtime.txt) echo "python-${exact}" >"${BUILD_DIR}/runtime.txt" ;;
	esac
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	if [ "$2" = runtime.txt ]; then
		assertCaptured "Using Python ${exact} (from runtime.txt: ${exact})"
	else
		assertCaptured "Using Python ${exact} (from .python-version: $1)"
	fi
	assertNotCaptured "No Python version was specified."
	# Python 3.10 reached its end of life in October 2026: it builds, with
	# a warning naming the day Heroku removes it.
	if [ "$1" = 3.10 ]; then
		assertCaptured " !     Warning: Python 3.10 has reached its end of life."
		assertCaptured "2027-01-06"
		report_lists '  - "python-version::deprecated"'
	fi
	move_slug
	assertServes "Hello from wsgi.py on Python ${exact}" /
}

testPython310FromPythonVersionFile() { buildsAndServes 3.10 .python-version; }
testPython310FromRuntimeTxt() { buildsAndServes 3.10 runtime.txt; }
testPython311FromPythonVersionFile() { buildsAndServes 3.11 .python-version; }
testPython311FromRuntimeTxt() { buildsAndServes 3.11 runtime.txt; }
testPython312FromPythonVersionFile() { buildsAndServes 3.12 .python-version; }
testPython312FromRuntimeTxt() { buildsAndServes 3.12 runtime.txt; }
testPython313FromPythonVersionFile() { buildsAndServes 3.13 .python-version; }
testPython313FromRuntimeTxt() { buildsAndServes 3.13 runtime.txt; }

testPipenvAppGetsThePythonItsPipfileLockRecords() {
	new_app
	printf '[[source]]\nname = "pypi"\nurl = "%s"\nverify_ssl = true\n\n[packages]\nsix = "==1.16.0"\n\n[requires]\npython_version = "3.12"\n' \
		"${INDEX_URL}" >"${BUILD_DIR}/Pipfile"
	python=$(mirror_python 3.12)
	(cd "${BUILD_DIR}" && with_lib "${python}" env PIPENV_IGNORE_VIRTUALENVS=1 PIPENV_VENV_IN_PROJECT=1 PIPENV_YES=1 \
		nice "${TOOLS_VENV}/bin/pipenv" lock --python "${python}" >"${OUTPUT_DIR}/pipenv.log" 2>&1) ||
		fail "pipenv lock failed: $(tail -n 5 "${OUTPUT_DIR}/pipenv.log")"
	rm -rf "${BUILD_DIR}/.venv"
	assertFileContains "pipenv recorded the version" '"python_version": "3.12"' "${BUILD_DIR}/Pipfile.lock"
	assertFalse "no .python-version" "[ -e '${BUILD_DIR}/.python-version' ]"
	# No Python cached (uWSGI and pip-tools are): only the lock says 3.12.
	fresh_cache "${TEST_SUITE_CACHE}"
	capture "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${TEST_SUITE_CACHE}" "${ENV_DIR}"
	assertBuilt
	assertCaptured "Using Python ${PY312} (from Pipfile.lock's python_version: 3.12)"
	assertNotCaptured "No Python version was specified."
	assertCaptured "Installing dependencies from Pipfile.lock"
	move_slug
	assertServes "Hello from wsgi.py on Python ${PY312}" /
}

# uv_project REQUIRES_PYTHON: BUILD_DIR becomes a uv project (six 1.16.0) whose
# requires-python is REQUIRES_PYTHON, locked by the real uv with CPython 3.12.
uv_project() {
	new_app
	printf '[project]\nname = "uv-app"\nversion = "0.1.0"\nrequires-python = "%s"\ndependencies = ["six==1.16.0"]\n' \
		"$1" >"${BUILD_DIR}/pyproject.toml"
	python=$(mirror_python 3.12)
	(cd "${BUILD_DIR}" && with_lib "${python}" env UV_PYTHON_DOWNLOADS=never \
		nice "${TOOLS_VENV}/bin/uv" lock --python "${python}" >"${OUTPUT_DIR}/uv.log" 2>&1) ||
		fail "uv lock failed: $(tail -n 5 "${OUTPUT_DIR}/uv.log")"
}

testUvProjectGetsTheNewestPythonInsideRequiresPython() {
	uv_project ">=3.12,<3.13"
	assertFalse "no .python-version" "[ -e '${BUILD_DIR}/.python-version' ]"
	# No Python cached (uWSGI and pip-tools are): the range alone decides.
	fresh_cache "${TEST_SUITE_CACHE}"
	capture "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${TEST_SUITE_CACHE}" "${ENV_DIR}"
	assertBuilt
	assertCaptured "Using Python ${PY312} (no .python-version, runtime.txt or Pipfile.lock version; the newest supported version inside requires-python >=3.12,<3.13)"
	assertCaptured " !     Warning: No Python version was specified."
	assertCaptured "uv python pin 3.12"
	assertNotCaptured "uv.lock is out of date"
	report_lists 'python_version_origin: "requires-python"' '  - "python-version::not-specified"'
	move_slug
	assertServes "Hello from wsgi.py on Python ${PY312}" /

	# A .python-version outside the range: refused, naming both.
	uv_project ">=3.12,<3.13"
	echo "3.13" >"${BUILD_DIR}/.python-version"
	capture "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${TEST_SUITE_CACHE}" "${ENV_DIR}"
	assertCapturedError 1 " !     Error: Python ${PY313} is outside the project's requires-python."
	assertCaptured ".python-version asks for Python 3.13 (${PY313}), but pyproject.toml's"
	assertCaptured "    >=3.12,<3.13"
	assertNotCaptured "uv.lock is out of date"
	assertNotCaptured "Traceback"
}

testWithoutAVersionFileTheCachedMinorIsKept() {
	use_fixture wsgi-app
	echo "3.12" >"${BUILD_DIR}/.python-version"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Using Python ${PY312} (from .python-version: 3.12)"

	# The version file removed; the same cache: still 3.12, and the log says why.
	new_app
	cp "${FIXTURES}/wsgi-app/requirements.txt" "${BUILD_DIR}/"
	capture "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${TEST_SUITE_CACHE}" "${ENV_DIR}"
	assertBuilt
	assertCaptured "Using Python ${PY312} (no .python-version, runtime.txt or Pipfile.lock version; the cached Python ${PY312} of the last build keeps the app on 3.12)"
	assertCaptured "Python and installed packages: reusing cache"
	assertCaptured " !     Warning: No Python version was specified."
	assertCaptured " !         3.12"
	report_lists 'python_version_origin: "cached"' '  - "python-version::not-specified"'
	move_slug
	assertServes "Hello from wsgi.py on Python ${PY312}" /
}

testPinnedPatchOlderThanTheNewestIsWarnedAbout() {
	# A runtime source that, like Heroku's, publishes no SHA256SUMS: the
	# newest patch known is then the built-in table's (Heroku's newest).
	source_dir="${OUTPUT_DIR}/no-listing"
	mkdir -p "${source_dir}"
	for archive in "${MIRROR_DIR}/python-${PY312}-"*.tar.zst; do
		ln "${archive}" "${source_dir}/" 2>/dev/null || ln -s "${archive}" "${source_dir}/"
	done
	rm -f "${source_dir}.port"
	"${TOOLS}/serve-runtime-mirror" "${source_dir}" --port-file "${source_dir}.port" >/dev/null 2>&1 &
	EXTRA_PIDS="${EXTRA_PIDS} $!"
	wait_for_file "${source_dir}.port"
	echo "http://127.0.0.1:$(cat "${source_dir}.port")" >"${ENV_DIR}/PYTHON_RUNTIME_URL"
	newest=$(PYTHONPATH="${BUILDPACK_HOME}/lib" python3 -c 'from uwsgi_buildpack.runtime.version import LATEST_PATCH; print(LATEST_PATCH["3.12"])')
	use_fixture wsgi-app
	echo "${PY312}" >"${BUILD_DIR}/.python-version"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Using Python ${PY312} (from .python-version: ${PY312})"
	assertCaptured " !     Warning: A Python patch update is available."
	assertCaptured ".python-version pins Python ${PY312}, but ${newest} is out"
	report_lists '  - "python-version::patch-outdated"'
	rm -f "${ENV_DIR}/PYTHON_RUNTIME_URL"
}
