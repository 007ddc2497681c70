#!/bin/sh
# Shared by the interrupted-build suites (interrupted_builds_test.sh and
# interrupted_compile_test.sh), after helpers.sh: kill a running build at a
# given moment, then check that the next build succeeds with what it left.
# Each suite's oneTimeSetUp sets KILLS=0, PHASE_KILLS=0, PY312 and BUILDS_TMP
# (start_kills), and its oneTimeTearDown calls end_kills.

# start_kills: the suite's counters, and the builds' TMPDIR: what pip and the
# compilers leave when they are killed lands there, and the next build must
# clear it. Short, like /tmp (a deep one makes the build fall back to /tmp
# itself).
start_kills() {
	# Some tests run bin/compile with TEST_SUITE_CACHE themselves: seed it at setUp.
	# shellcheck disable=SC2034 # read by helpers.sh (afterSetUp)
	SEED_EVERY_TEST=yes
	# shellcheck disable=SC2034 # read by the suites
	PY312=$(mirror_version_of 3.12)
	KILLS=0
	PHASE_KILLS=0
	BUILDS_TMP=$(mktemp -d "$(short_tmp)/bp.XXXXXX")
	build_user_owns "${BUILDS_TMP}"
}

end_kills() {
	rm -rf "${BUILDS_TMP}"
	echo "builds killed: ${KILLS}, each followed by a successful build"
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
	# What the loop saw is kept, not looked at again: a cache entry's scratch
	# directory may be gone a moment after it was seen (renamed into place).
	seen=0
	until reached "$2" && seen=1 || ! kill -0 "${pid}" 2>/dev/null || [ "${tries}" -ge 6000 ]; do
		sleep 0.02
		tries=$((tries + 1))
	done
	if [ "${seen}" -eq 0 ]; then
		kill -KILL "-${pid}" 2>/dev/null
		wait "${pid}" 2>/dev/null
		case "$2" in
		cache:*)
			# A cache entry is written in a tenth of a second: a build that
			# succeeded may have been through it between two looks. Such a
			# try does not count (the phase's other kills must land).
			# (The log, not the exit status, says so: the shell may have
			# reaped the finished build already, and `wait` then says 127.)
			if grep -q -F -e "cache saved" "${log}" && grep -q -F -e "-----> Done in" "${log}"; then
				echo "not killed (the build had ended, saying Done, between two looks) at: '$2' + $3 s"
				then_build_succeeds "$1" "${4:-}"
				return 0
			fi
			;;
		esac
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
# file NAME exists under the builds' TMPDIR, or for `cache:NAME`, an entry NAME
# (a glob) in the cache's uwsgi-buildpack/ directory (cache.CacheEntry writes
# a new entry as `.NAME.new.PID`, and moves the old one aside as `.NAME.old.PID`).
reached() {
	case "$1" in
	file:*) [ -n "$(find "${BUILDS_TMP}" -name "${1#file:}" -print -quit 2>/dev/null)" ] ;;
	cache:*) [ -n "$(find "${TEST_SUITE_CACHE}/uwsgi-buildpack" -maxdepth 1 -name "${1#cache:}" -print -quit 2>/dev/null)" ] ;;
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
