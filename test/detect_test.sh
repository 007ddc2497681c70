#!/bin/sh
# bin/detect: which apps this buildpack takes.
# shellcheck source=testrunner/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"

detectsWith() {
	touch "${BUILD_DIR}/$1"
	detect
	assertAppDetected "Python (uWSGI)"
}

testDetectsRequirementsTxt() { detectsWith requirements.txt; }
testDetectsRequirementsIn() { detectsWith requirements.in; }
testDetectsPyprojectToml() { detectsWith pyproject.toml; }
testDetectsSetupPy() { detectsWith setup.py; }
testDetectsPythonVersionFile() { detectsWith .python-version; }
testDetectsRuntimeTxt() { detectsWith runtime.txt; }
testDetectsUwsgiIni() { detectsWith uwsgi.ini; }
testDetectsUvLock() { detectsWith uv.lock; }
testDetectsPoetryLock() { detectsWith poetry.lock; }
testDetectsPipfile() { detectsWith Pipfile; }
testDetectsPipfileLock() { detectsWith Pipfile.lock; }

testDoesNotDetectOtherApps() {
	touch "${BUILD_DIR}/package.json" "${BUILD_DIR}/index.js"
	mkdir "${BUILD_DIR}/requirements.txt.d"
	detect
	assertNoAppDetected
}

testDoesNotDetectAnEmptyApp() {
	detect
	assertNoAppDetected
}
