#!/bin/sh
# Nothing is lost: a build killed (SIGKILL, no chance to clean up) at any moment
# leaves a cache that the next build either reuses correctly or discards with a
# reason, never one that breaks it or ships a half-built file. The kills during
# the uWSGI compile are in interrupted_compile_test.sh (a suite of their own, so
# that the two run side by side).
# shellcheck source=testrunner/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=helpers.sh
. "${BUILDPACK_HOME}/test/helpers.sh"
# shellcheck source=kills.sh
. "${BUILDPACK_HOME}/test/kills.sh"

oneTimeSetUp() {
	start_suite
	start_kills
}

oneTimeTearDown() {
	end_kills
	end_suite
}

testKilledWhileInstallingPython() {
	PHASE_KILLS=0
	kill_build_at 3.12 "-----> Python" 0
	forget python
	kill_build_at 3.12 "Installing Python" 0
	forget python
	kill_build_at 3.12 "Installing Python" 0.3
	forget python
	kill_build_at 3.12 "Installing Python" 1
	# Later in the unpacking and in pip's installation: long enough phases to
	# be hit however fast the machine.
	forget python
	kill_build_at 3.12 "Installing Python" 1.5
	forget python
	kill_build_at 3.12 "Installing Python" 2
	forget python
	kill_build_at 3.12 "Installing Python" 2.5
	forget python
	kill_build_at 3.12 "Installed Python" 0
	assertLanded "installing Python"
}

# older_patch: make the cache look like the build of an older patch release of
# the same minor version (the mirror holds one patch per minor).
older_patch() {
	for entry in python uwsgi; do
		meta="${TEST_SUITE_CACHE}/uwsgi-buildpack/${entry}/metadata.json"
		[ -f "${meta}" ] && sed -i "s/\"python\": \"${PY312}\"/\"python\": \"${PY312%.*}.0\"/" "${meta}"
	done
	return 0
}

testKilledWhileAPatchReleaseTakesThePackagesOver() {
	PHASE_KILLS=0
	then_build_succeeds 3.12
	older_patch
	kill_build_at 3.12 "a patch release of the same minor version" 0
	older_patch
	kill_build_at 3.12 "a patch release of the same minor version" 0.3
	older_patch
	kill_build_at 3.12 "installed packages, in" 0
	older_patch
	kill_build_at 3.12 "-----> Configuring uWSGI" 0.05
	assertLanded "a patch release took the packages over"
}

testKilledDuringAWarmBuild() {
	PHASE_KILLS=0
	then_build_succeeds 3.12
	kill_build_at 3.12 "-----> Python" 0.1
	kill_build_at 3.12 "reusing cache" 0
	kill_build_at 3.12 "reusing cache" 0.2
	kill_build_at 3.12 "-----> uWSGI" 0
	kill_build_at 3.12 "-----> Installing dependencies" 0
	kill_build_at 3.12 "-----> Installing dependencies" 0.5 "idna==3.4"
	kill_build_at 3.12 "reusing cached binary" 0
	kill_build_at 3.12 "reusing cached binary" 0.1
	kill_build_at 3.12 "-----> Installing dependencies" 0.2 "idna==3.5"
	# A range, not a pin: a requirements.txt of == pins alone has no pip-compile round.
	kill_build_at 3.12 "Locking requirements.txt with pip-compile" 0.5 "idna>=3.3,<3.4"
	kill_build_at 3.12 "Looking in indexes" 0 "idna==3.2"
	kill_build_at 3.12 "Looking in indexes" 0.2 "idna==3.1"
	assertLanded "a warm build ran"
}

testKilledWhileThePythonCacheIsBeingReplaced() {
	PHASE_KILLS=0
	# A changed requirement makes the build save a new copy of the prefix.
	kill_build_at 3.12 "-----> Configuring uWSGI" 0 "idna==3.6"
	kill_build_at 3.12 "-----> Configuring uWSGI" 0.1 "idna==3.7"
	kill_build_at 3.12 "-----> Configuring uWSGI" 0.2 "idna==3.8"
	kill_build_at 3.12 "-----> Configuring uWSGI" 0.3 "idna==3.9"
	kill_build_at 3.12 "Successfully installed idna" 0 "idna==3.10"
	# The same moments found by the files the build writes, not the time
	# since a line of its log (which a fast build outruns).
	kill_build_at 3.12 "cache:.python.new.*" 0 "idna==3.4"
	kill_build_at 3.12 "cache:.python.new.*" 0.05 "idna==3.5"
	kill_build_at 3.12 "cache:.python.old.*" 0 "idna==3.3"
	assertLanded "the Python cache was being replaced"
}

# Runs last (shunit2 runs tests in file order): the kills that landed.
# pip, pip-tools and the compiled uWSGI go in from their wheels without pip
# (wheel_install.py): killed while pip's own files are byte-compiled (a fresh
# runtime), and while pip-tools' pinned wheels are fetched and unpacked (a
# requirement changed, pip-tools not cached). The files are written into the
# build dir's prefix or a temporary directory; the cache gets them only whole.
testKilledWhileInstallingWheelsWithoutPip() {
	PHASE_KILLS=0
	forget python
	kill_build_at 3.12 "file:uwsgi-bp-pyc-*" 0
	forget python
	kill_build_at 3.12 "file:uwsgi-bp-pyc-*" 0.3
	forget pip-tools
	kill_build_at 3.12 "file:pip_tools-*.whl" 0 "idna==3.4"
	forget pip-tools
	kill_build_at 3.12 "file:piptools" 0 "idna==3.5"
	assertLanded "installing wheels without pip"
}

testAtLeastTwentyKillsLanded() {
	assertTrue "builds killed: ${KILLS} (at least 20 wanted)" "[ ${KILLS} -ge 20 ]"
}
