#!/bin/sh
# Every supported Python the runtime source has builds and serves, asked for by
# .python-version (minor version) and by runtime.txt (exact version).
# shellcheck source=testrunner/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=helpers.sh
. "${BUILDPACK_HOME}/test/helpers.sh"

oneTimeSetUp() {
	start_suite
}

oneTimeTearDown() {
	end_suite
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
