#!/bin/sh
# shellcheck disable=SC2016 # snippets are expanded by the dyno-side bash
# Under Dokku's builder, herokuish, instead of Heroku (test/tools/dyno
# --herokuish): one user builds and runs, the config vars are in the build's
# environment too, the dyno starts in a `set -eo pipefail` shell and is
# stopped with one SIGTERM to the exec'd process (uWSGI's master) alone, and
# nothing limits its memory unless the user sets a limit.
#
# This suite runs every test of dyno_lifecycle_test.sh (graceful shutdown,
# sizing, the listen backlog) and the config-var tests of production_test.sh
# under the stand-in, as well as its own.
UWSGI_BP_PLATFORM=herokuish
export UWSGI_BP_PLATFORM
# (Sourcing a suite sources the testrunner's test_utils.sh and helpers.sh.)
# shellcheck source=dyno_lifecycle_test.sh
. "${BUILDPACK_HOME}/test/dyno_lifecycle_test.sh"
# shellcheck source=production_test.sh
. "${BUILDPACK_HOME}/test/production_test.sh"

# The config-var tests of production_test.sh, build time and boot time.
PRODUCTION_CONFIG_VAR_TESTS="testFlaskAppConfigVarWithAFactoryCall testUwsgiModuleAtBuildTimeIsTheDefault
	testChunkedUploadOverTheLimitOrMalformedIsRefusedWithoutTheApp testStatsServerListensOnLoopbackOnly
	testBootTimeNumbersOfAnotherFormGiveOneLineAndTheDynoServes testExecExpansionInBootTimeConfigVarsRunsNothing"

# shunit2 runs the tests suite() adds instead of the test functions of this file.
suite() {
	for name in $(sed -n 's/^\(test[A-Za-z0-9_]*\)() {$/\1/p' \
		"${BUILDPACK_HOME}/test/herokuish_test.sh" "${BUILDPACK_HOME}/test/dyno_lifecycle_test.sh") \
		${PRODUCTION_CONFIG_VAR_TESTS}; do
		suite_addTest "${name}"
	done
}

# Dokku's default: no memory limit (cgroup v2 memory.max reads "max"), and
# `dokku resource:limit --cpu 2` a CFS quota that nproc does not see, on a
# 32-CPU host.
testWithoutAMemoryLimitTheCpuQuotaAndAMemoryCapSizeTheDyno() {
	build_fixture wsgi-app
	move_slug
	cgroup="${OUTPUT_DIR}/cgroup"
	mkdir -p "${cgroup}"
	echo "cpu memory pids" >"${cgroup}/cgroup.controllers"
	echo max >"${cgroup}/memory.max"
	echo "200000 100000" >"${cgroup}/cpu.max"
	echo "0::/" >"${OUTPUT_DIR}/proc-self-cgroup"
	with_dyno 'true' BP_UWSGI_CGROUP_ROOT="${cgroup}" BP_UWSGI_PROC_CGROUP="${OUTPUT_DIR}/proc-self-cgroup" BP_UWSGI_NPROC=32
	assertEquals "the dyno booted and answered" 0 $?
	assertFileContains "uwsgi-buildpack: no memory limit found, processes counted as for 512 MB (set a limit: dokku resource:limit --memory 512m, or WEB_CONCURRENCY), 2 CPUs (cgroup CPU quota; nproc 32) -> 2 processes x 4 threads, listen backlog 2048" "${DYNO_LOG}"
	workers=$(grep -c "spawned uWSGI worker" "${DYNO_LOG}")
	assertTrue "at most 4 processes (${workers})" "[ ${workers} -ge 1 ] && [ ${workers} -le 4 ]"
	assertFileNotContains "no reload-on-rss without a limit to keep under" "rss=" "${DYNO_LOG}"
	# `dokku resource:limit --memory 512m`: the same sizing as a 512 MB dyno.
	echo 536870912 >"${cgroup}/memory.max"
	with_dyno 'true' BP_UWSGI_CGROUP_ROOT="${cgroup}" BP_UWSGI_PROC_CGROUP="${OUTPUT_DIR}/proc-self-cgroup" BP_UWSGI_NPROC=32
	assertFileContains "uwsgi-buildpack: 512 MB memory (cgroup v2), 2 CPUs (cgroup CPU quota; nproc 32) -> 2 processes x 4 threads, a worker reloads above 192 MB RSS, listen backlog 2048" "${DYNO_LOG}"
	assertFileContains "spawned uWSGI worker 2" "${DYNO_LOG}"
	assertFileNotContains "spawned uWSGI worker 3" "${DYNO_LOG}"
}

# master_only_sigterm_trials N: N times, a 3 s request in flight when the
# dyno gets docker stop's SIGTERM (the master alone); prints "OK FAST".
master_only_sigterm_trials() {
	trials=$1 ok=0 fast=0 i=0
	while [ "$i" -lt "${trials}" ]; do
		i=$((i + 1))
		with_dyno '
			curl -s -o /dev/null -w "%{http_code}" --max-time 30 \
				http://127.0.0.1:5000/slow/3 >"$OUT/slow-status" &
			sleep 0.5
			start=$(date +%s%N)
			kill -TERM -- "-$DYNO_PGID"
			for _ in $(seq 1 600); do kill -0 -- "-$DYNO_PGID" 2>/dev/null || break; sleep 0.05; done
			echo $((($(date +%s%N) - start) / 1000000)) >"$OUT/exit-ms"
			wait' WEB_CONCURRENCY=2
		status=$(cat "${OUTPUT_DIR}/slow-status" 2>/dev/null)
		exit_ms=$(cat "${OUTPUT_DIR}/exit-ms" 2>/dev/null)
		[ "${status}" = 200 ] && ok=$((ok + 1))
		# Within worker-reload-mercy (20 s), well before docker stop's SIGKILL.
		[ -n "${exit_ms}" ] && [ "${exit_ms}" -lt 20000 ] && fast=$((fast + 1))
		echo "trial ${i}: HTTP ${status}, dyno exited ${exit_ms} ms after the master's SIGTERM" >&2
	done
	echo "${ok} ${fast}"
}

testMasterOnlySigtermLetsTheRequestFinishWithTheDefaultIni() {
	build_fixture flask-app
	move_slug
	result=$(master_only_sigterm_trials 5)
	assertEquals "requests completing with 200, dynos exiting within the mercy" "5 5" "${result}"
	# (The trials ran in a subshell: with_dyno's DYNO_LOG is the last one's.)
	DYNO_LOG="${OUTPUT_DIR}/dyno.log"
	assertFileContains "the master passed SIGINT on" "SIGINT/SIGTERM received...killing workers" "${DYNO_LOG}"
	assertFileContains "Gracefully killing worker" "${DYNO_LOG}"
}

# flask_app_with_ini LINE...: BUILD_DIR becomes the flask-app fixture on Python
# 3.12 with a uwsgi.ini of its own, these shutdown lines at its end.
flask_app_with_ini() {
	rm -rf "${BUILD_DIR}" && mkdir -p "${BUILD_DIR}"
	use_fixture flask-app
	echo 3.12 >"${BUILD_DIR}/.python-version"
	{
		cat <<-'INI'
		[uwsgi]
		http-socket = :$(PORT)
		master = true
		processes = 2
		threads = 2
		module = app:app
		need-app = true
		harakiri = 25
		die-on-term = true
		INI
		printf '%s\n' "$@"
	} >"${BUILD_DIR}/uwsgi.ini"
}

# An app's own uwsgi.ini with the shutdown lines the check accepts, and one
# with only a signal-15 hook, which the check warns about: under Dokku its
# workers get only SIGINT, and the request in flight is cut.
testAnOwnIniTheCheckAcceptsLetsTheRequestFinishAndOneWithOnlyASigtermHookIsWarnedAbout() {
	flask_app_with_ini "hook-accepting = unix_signal:15 gracefully_kill"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured " !     Warning: uwsgi.ini lets SIGTERM cut requests in flight."
	assertCaptured "under Dokku, whose docker stop sends SIGTERM to uWSGI's master alone,"
	assertNotCaptured "on Heroku, which sends SIGTERM to every process"
	move_slug
	result=$(master_only_sigterm_trials 2)
	assertEquals "the warning is right: the request in flight is cut (200s, fast exits)" "0 2" "${result}"
	# The check's fix, as it words it: accepted, and nothing is cut.
	flask_app_with_ini "hook-accepting = unix_signal:15 gracefully_kill" \
		"hook-accepting = unix_signal:2 gracefully_kill" "worker-reload-mercy = 20"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertNotCaptured "lets SIGTERM cut requests in flight"
	move_slug
	result=$(master_only_sigterm_trials 5)
	assertEquals "requests completing with 200, dynos exiting within the mercy" "5 5" "${result}"
}
