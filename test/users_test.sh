#!/bin/sh
# Builds and dynos run as Heroku runs them: neither as root, and not as the same
# user (see test/helpers.sh). The test prints `ps -o user,pid,cmd` of a running
# build and of a running dyno, so a suite's log shows who ran what.
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

testBuildAndDynoRunAsTwoUnprivilegedUsers() {
	if [ "$(id -u)" -eq 0 ]; then
		build_user=$("${AS_USER}" name build)
		dyno_user=$("${AS_USER}" name dyno)
	else
		# Run by someone else, the suites run everything as that user.
		build_user=$(id -un)
		dyno_user=${build_user}
	fi
	use_fixture wsgi-app
	# A build hook sees the build's processes from the inside: it lists
	# itself and its ancestors up to bin/compile (which is exec'd into the
	# buildpack's helper, uwsgi_buildpack.cli).
	mkdir -p "${BUILD_DIR}/bin"
	cat >"${BUILD_DIR}/bin/post_compile" <<'HOOK'
#!/bin/sh
pid=$$
while [ "${pid}" -gt 1 ]; do
	ps -o user:20=,pid=,cmd= -p "${pid}" | cut -c 1-300
	case $(ps -o cmd= -p "${pid}") in *uwsgi_buildpack.cli*) break ;; esac
	pid=$(ps -o ppid= -p "${pid}" | tr -d ' ')
done >build-processes
HOOK
	chmod +x "${BUILD_DIR}/bin/post_compile"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	echo "a running build (ps -o user,pid,cmd: the hook, the helper, bin/compile):"
	sed 's/^/  /' "${BUILD_DIR}/build-processes"
	assertTrue "the hook saw bin/compile" "grep -q 'uwsgi_buildpack.cli' '${BUILD_DIR}/build-processes'"
	assertEquals "every process of the build ran as ${build_user}" "${build_user}" \
		"$(awk '{print $1}' "${BUILD_DIR}/build-processes" | sort -u)"
	assertEquals "the build dir is the build user's" "${build_user}" "$(stat -c %U "${BUILD_DIR}/.heroku/python/bin/python3")"
	assertEquals "the cache is the build user's" "" "$(find "${TEST_SUITE_CACHE}" ! -user "${build_user}" -print -quit)"

	move_slug
	assertEquals "the slug is the dyno user's" "" "$(find "${SLUG_DIR}" ! -user "${dyno_user}" -print -quit)"
	# shellcheck disable=SC2016 # expanded by with_dyno's shell
	with_dyno 'ps -o user:20=,pid=,cmd= -g "$DYNO_PGID" >"$OUT/dyno-processes"'
	assertEquals "the dyno served" 0 $?
	echo "a running dyno (ps -o user,pid,cmd of its process group):"
	sed 's/^/  /' "${OUTPUT_DIR}/dyno-processes"
	assertTrue "uWSGI ran" "grep -q uwsgi '${OUTPUT_DIR}/dyno-processes'"
	assertEquals "every process of the dyno ran as ${dyno_user}" "${dyno_user}" \
		"$(awk '{print $1}' "${OUTPUT_DIR}/dyno-processes" | sort -u)"
	assertNotContains "uWSGI was not started as root" "running as root" "$(cat "${DYNO_LOG}")"
}
