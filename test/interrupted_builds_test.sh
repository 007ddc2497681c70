#!/bin/sh
# Nothing is lost: a build killed (SIGKILL, no chance to clean up) at any moment
# leaves a cache that the next build either reuses correctly or discards with a
# reason, never one that breaks it or ships a half-built file.
# shellcheck source=testrunner/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=helpers.sh
. "${BUILDPACK_HOME}/test/helpers.sh"

oneTimeSetUp() {
	start_suite
	# Some tests run bin/compile with TEST_SUITE_CACHE themselves: seed it at setUp.
	SEED_EVERY_TEST=yes
	PY312=$(mirror_version_of 3.12)
	KILLS=0
	PHASE_KILLS=0
	# The builds' TMPDIR: what pip and the compilers leave when they are killed
	# lands here, and the next build must clear it. Short, like /tmp (a deep
	# one makes the build fall back to /tmp itself).
	BUILDS_TMP=$(mktemp -d /tmp/bp.XXXXXX)
	build_user_owns "${BUILDS_TMP}"
}

oneTimeTearDown() {
	rm -rf "${BUILDS_TMP}"
	echo "builds killed: ${KILLS}, each followed by a successful build"
	end_suite
}

# fresh_app PYTHON [EXTRA_REQUIREMENT]
fresh_app() {
	rm -rf "${BUILD_DIR}"
	mkdir -p "${BUILD_DIR}"
	use_fixture wsgi-app
	echo "$1" >"${BUILD_DIR}/.python-version"
	[ -z "${2:-}" ] || echo "$2" >>"${BUILD_DIR}/requirements.txt"
}

# kill_build_at PYTHON PATTERN DELAY [EXTRA_REQUIREMENT]: start a build, wait
# until its output shows PATTERN, wait DELAY seconds more, then SIGKILL every
# process of the build. Then the same app must build with the same cache.
# PATTERN `file:NAME` waits instead until a file NAME appears anywhere under
# the builds' TMPDIR (a phase that prints nothing, such as a compiler writing
# its precompiled header).
#
# A build that never prints PATTERN fails the test: the progress line was
# renamed, and the kill would silently land somewhere else (or nowhere). A
# kill landed when the build itself died of it (exit status 137); a fast warm
# build can be over before the kill, which is only counted (see assertLanded).
kill_build_at() {
	fresh_app "$1" "${4:-}"
	log="${OUTPUT_DIR}/killed.log"
	: >"${log}"
	build_user_owns_output
	TMPDIR="${BUILDS_TMP}" setsid "${AS_USER}" build "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${TEST_SUITE_CACHE}" "${ENV_DIR}" >"${log}" 2>&1 &
	pid=$!
	tries=0
	until reached "$2" || ! kill -0 "${pid}" 2>/dev/null || [ "${tries}" -ge 6000 ]; do
		sleep 0.02
		tries=$((tries + 1))
	done
	if ! reached "$2"; then
		kill -KILL "-${pid}" 2>/dev/null
		wait "${pid}" 2>/dev/null
		fail "the build never printed '$2' (build log: $(tail -n 15 "${log}" | tr '\n' '|'))"
		return 1
	fi
	sleep "$3"
	kill -KILL "-${pid}" 2>/dev/null
	wait "${pid}" 2>/dev/null
	status=$?
	if [ "${status}" -eq 137 ]; then
		KILLS=$((KILLS + 1))
		PHASE_KILLS=$((PHASE_KILLS + 1))
		echo "killed at: '$2' + $3 s"
	else
		# Late moments of a fast warm build can be over before the kill lands
		# on a busy machine; such a try does not count.
		echo "not killed (the build had ended with status ${status}) at: '$2' + $3 s"
	fi
	then_build_succeeds "$1" "${4:-}"
}

# reached PATTERN: the killed build's log shows PATTERN, or for `file:NAME`, a
# file NAME exists under the builds' TMPDIR.
reached() {
	case "$1" in
	file:*) [ -n "$(find "${BUILDS_TMP}" -name "${1#file:}" -print -quit 2>/dev/null)" ] ;;
	*) grep -q -F -e "$1" "${log}" ;;
	esac
}

# assertLanded PHASE: at least one kill of this test's phase hit a running build.
assertLanded() {
	assertTrue "kills that landed while ${1}: ${PHASE_KILLS} (at least 1 wanted)" "[ ${PHASE_KILLS} -ge 1 ]"
}

then_build_succeeds() {
	fresh_app "$1" "${2:-}"
	# What the killed build left decides what this one must say: a complete
	# entry (its metadata is written last) is reused or discarded with a
	# reason, never silently ignored; without one, everything is redone.
	entries="${TEST_SUITE_CACHE}/uwsgi-buildpack"
	python_cached=no uwsgi_cached=no
	[ -f "${entries}/python/metadata.json" ] && python_cached=yes
	[ -f "${entries}/uwsgi/metadata.json" ] && uwsgi_cached=yes
	capture env TMPDIR="${BUILDS_TMP}" "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${TEST_SUITE_CACHE}" "${ENV_DIR}"
	assertBuilt
	if [ "${python_cached}" = yes ]; then
		assertTrue "a cached Python left by the killed build is reused, kept over a patch release or discarded with a reason" \
			"grep -Eq '^       (Python and installed packages: (reusing|discarding) cache \(.+\)|Python [0-9.]+ -> [0-9.]+: a patch release of the same minor version; keeping the installed packages .+)\$' '${STD_OUT}'"
	else
		assertNotCaptured "no cached Python, nothing reused" "Python and installed packages: reusing cache"
		assertCaptured "no cached Python: installed again" "Installing Python"
	fi
	if [ "${uwsgi_cached}" = yes ]; then
		assertTrue "a cached uWSGI left by the killed build is reused or recompiled with a reason" \
			"grep -Eq '^       uWSGI 2\.0\.31: (reusing cached binary|compiling) \(.+\)\$' '${STD_OUT}'"
		assertNotCaptured "uWSGI 2.0.31: compiling (nothing cached yet)"
	else
		assertCaptured "no cached uWSGI: compiled again" "uWSGI 2.0.31: compiling (nothing cached yet)"
	fi
	assertEquals "temporary files left by the killed build and this one" "" "$(ls -A "${BUILDS_TMP}")"
	assertEquals "uwsgi runs" "2.0.31" "$("${BUILD_DIR}/.heroku/python/bin/uwsgi" --version 2>&1)"
	assertEquals "python runs" "ok" \
		"$(LD_LIBRARY_PATH="${BUILD_DIR}/.heroku/python/lib" "${BUILD_DIR}/.heroku/python/bin/python3" -c 'import six; print("ok")' 2>&1)"
}

# forget ENTRY: remove one cache entry, so the next build has to redo that step.
forget() {
	rm -rf "${TEST_SUITE_CACHE}/uwsgi-buildpack/$1"
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
	forget python
	kill_build_at 3.12 "Installed Python" 0
	assertLanded "installing Python"
}

testKilledWhileCompilingUwsgi() {
	PHASE_KILLS=0
	forget uwsgi
	kill_build_at 3.12 "Compiling on" 2
	# The same, when pip builds the wheel: a pip setting that uwsgi_source
	# leaves to pip (trusted-host) makes both builds go through `pip wheel`,
	# whose own temporary directories the kill leaves behind.
	forget uwsgi
	echo "127.0.0.1" >"${ENV_DIR}/PIP_TRUSTED_HOST"
	kill_build_at 3.12 "Compiling on" 15
	assertCaptured "the build after the kill used pip wheel" \
		"(built by pip wheel: pip is configured with trusted-host)"
	rm -f "${ENV_DIR}/PIP_TRUSTED_HOST"
	forget uwsgi
	kill_build_at 3.12 "Compiled uWSGI" 0
	assertCaptured "the build after the kill fetched the sdist itself" \
		"sha256 checked, built with uwsgiconfig.py)"
	assertLanded "compiling uWSGI"
}

# The compile's precompiled headers (bin/support/uwsgi-cc): written under the
# builds' TMPDIR by the compiler, moved into place whole.
testKilledWhileWritingThePrecompiledHeaders() {
	PHASE_KILLS=0
	forget uwsgi
	kill_build_at 3.12 "file:uwsgi.h.gch-tmp" 0
	forget uwsgi
	kill_build_at 3.12 "file:uwsgi.h.gch" 0
	forget uwsgi
	kill_build_at 3.12 "file:uwsgi_python.h.gch-tmp" 0.2
	assertLanded "writing the precompiled headers"
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
	kill_build_at 3.12 "Locking requirements.txt with pip-compile" 0.5 "idna==3.3"
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
	assertLanded "the Python cache was being replaced"
}

# Runs last (shunit2 runs tests in file order): the kills that landed.
testAtLeastTwentyKillsLanded() {
	assertTrue "builds killed: ${KILLS} (at least 20 wanted)" "[ ${KILLS} -ge 20 ]"
}
