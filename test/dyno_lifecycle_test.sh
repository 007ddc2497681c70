#!/bin/sh
# shellcheck disable=SC2016 # snippets are expanded by the dyno-side bash
# The default uwsgi.ini through a dyno's life: harakiri, crashed workers, a
# dyno-wide SIGTERM mid-request (as at every deploy, restart and daily cycle),
# sizing from the dyno's cgroup, and the listen backlog under the kernel's cap.
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

testHarakiriCutsALongRequestAndTheWorkerComesBack() {
	build_fixture flask-app
	assertCaptured "heroku config:set UWSGI_HARAKIRI=25"
	move_slug
	with_dyno '
		start=$(date +%s%N)
		curl -s -o /dev/null --max-time 20 http://127.0.0.1:5000/slow/8
		echo $((($(date +%s%N) - start) / 1000000)) >"$OUT/cut-ms"
		for i in 1 2 3 4; do curl -fsS http://127.0.0.1:5000/ >>"$OUT/after" || exit 1; done' \
		UWSGI_HARAKIRI=2 WEB_CONCURRENCY=1 UWSGI_THREADS=1
	assertEquals "requests after harakiri succeed" 0 $?
	cut_ms=$(cat "${OUTPUT_DIR}/cut-ms")
	assertTrue "the 8 s request was cut within 4 s (took ${cut_ms} ms)" "[ ${cut_ms} -lt 4000 ]"
	assertFileContains "HARAKIRI" "${DYNO_LOG}"
	assertEquals 4 "$(grep -c "Hello from Flask" "${OUTPUT_DIR}/after")"
}

testWorkerThatExitsMidRequestIsRespawned() {
	build_fixture flask-app
	move_slug
	with_dyno '
		curl -s -o /dev/null --max-time 10 http://127.0.0.1:5000/crash
		for i in 1 2 3 4 5; do curl -fsS http://127.0.0.1:5000/ >>"$OUT/after" || exit 1; done' \
		WEB_CONCURRENCY=1 UWSGI_THREADS=1
	assertEquals "requests after the crash succeed" 0 $?
	assertFileContains "Respawned uWSGI worker 1" "${DYNO_LOG}"
	assertEquals 5 "$(grep -c "Hello from Flask" "${OUTPUT_DIR}/after")"
}

# Heroku stops a dyno by sending SIGTERM to every process in it. A request in
# flight must still complete normally, and the dyno must exit well before the
# SIGKILL that follows 30 s later.
testDynoWideSigtermLetsTheRequestInFlightFinish() {
	build_fixture flask-app
	move_slug
	trials=20
	ok=0
	fast=0
	i=0
	while [ "$i" -lt "$trials" ]; do
		i=$((i + 1))
		with_dyno '
			curl -s -o "$OUT/slow-body" -w "%{http_code}" --max-time 20 \
				http://127.0.0.1:5000/slow/3 >"$OUT/slow-status" &
			sleep 0.5
			start=$(date +%s%N)
			kill -TERM -- "-$DYNO_PGID"
			for _ in $(seq 1 300); do kill -0 -- "-$DYNO_PGID" 2>/dev/null || break; sleep 0.05; done
			echo $((($(date +%s%N) - start) / 1000000)) >"$OUT/exit-ms"
			wait' WEB_CONCURRENCY=2
		status=$(cat "${OUTPUT_DIR}/slow-status" 2>/dev/null)
		exit_ms=$(cat "${OUTPUT_DIR}/exit-ms" 2>/dev/null)
		[ "${status}" = 200 ] && ok=$((ok + 1))
		[ -n "${exit_ms}" ] && [ "${exit_ms}" -lt 10000 ] && fast=$((fast + 1))
		echo "trial ${i}: HTTP ${status}, dyno exited ${exit_ms} ms after SIGTERM"
	done
	assertEquals "requests completing with 200" "${trials}" "${ok}"
	assertEquals "dynos exiting within 10 s" "${trials}" "${fast}"
}

# A request that would outlast Heroku's 30 s grace period: the worker serving
# it is killed after worker-reload-mercy and the dyno exits on its own, before
# Heroku's SIGKILL (which would also cut the requests that could have finished).
testDynoWideSigtermKillsAStuckWorkerBeforeHerokusSigkill() {
	build_fixture flask-app
	move_slug
	with_dyno '
		curl -s -o /dev/null -w "%{http_code}" --max-time 60 \
			http://127.0.0.1:5000/slow/45 >"$OUT/stuck-status" &
		sleep 0.5
		start=$(date +%s%N)
		kill -TERM -- "-$DYNO_PGID"
		# Watch for up to 40 s: past 30 s, Heroku would have sent SIGKILL.
		for _ in $(seq 1 800); do kill -0 -- "-$DYNO_PGID" 2>/dev/null || break; sleep 0.05; done
		echo $((($(date +%s%N) - start) / 1000000)) >"$OUT/exit-ms"
		wait' WEB_CONCURRENCY=2
	exit_ms=$(cat "${OUTPUT_DIR}/exit-ms" 2>/dev/null)
	echo "a 45 s request in flight: dyno exited ${exit_ms} ms after SIGTERM, HTTP $(cat "${OUTPUT_DIR}/stuck-status")"
	assertTrue "the dyno exits before Heroku's SIGKILL at 30 s (took ${exit_ms:-?} ms)" \
		"[ -n '${exit_ms}' ] && [ '${exit_ms}' -lt 30000 ]"
	assertNotEquals "the stuck request was cut, not completed" "200" "$(cat "${OUTPUT_DIR}/stuck-status")"
	assertFileContains "the master killed the stuck worker" "NO MERCY" "${DYNO_LOG}"
}

testSizingComesFromTheDynoCgroupAndIsPrintedAtBoot() {
	build_fixture wsgi-app
	move_slug
	cgroup="${OUTPUT_DIR}/cgroup"
	mkdir -p "${cgroup}/memory"
	echo 536870912 >"${cgroup}/memory.max"
	with_dyno 'true' BP_UWSGI_CGROUP_ROOT="${cgroup}"
	assertFileContains "uwsgi-buildpack: 512 MB memory (cgroup v2), $(nproc) CPUs -> 2 processes x 4 threads, a worker reloads above 192 MB RSS, listen backlog 2048" "${DYNO_LOG}"
	assertFileContains "your server socket listen backlog is limited to 2048 connections" "${DYNO_LOG}"
	# The memory check after each request shows in the request log (memory-report's purpose).
	assertTrue "request log shows the worker's memory: $(grep 'GET / ' "${DYNO_LOG}" | head -n 1)" \
		"grep -Eq 'request_id=- rss=[1-9][0-9]*MB' '${DYNO_LOG}'"
	assertFileContains "spawned uWSGI worker 2" "${DYNO_LOG}"
	assertFileNotContains "spawned uWSGI worker 3" "${DYNO_LOG}"
	rm "${cgroup}/memory.max"
	echo 1073741824 >"${cgroup}/memory/memory.limit_in_bytes"
	with_dyno 'true' BP_UWSGI_CGROUP_ROOT="${cgroup}" UWSGI_THREADS=2
	assertFileContains "1024 MB memory (cgroup v1)" "${DYNO_LOG}"
	assertFileContains "x 2 threads" "${DYNO_LOG}"
	with_dyno 'true' BP_UWSGI_CGROUP_ROOT="${cgroup}" WEB_CONCURRENCY=3
	assertFileContains "-> 3 processes x 4 threads, a worker reloads above 256 MB RSS" "${DYNO_LOG}"
}

# uWSGI refuses to start when `listen` exceeds net.core.somaxconn, which is
# per network namespace and only known on the dyno. A file sourced before the
# buildpack's own .profile.d script lowers it in the dyno's private namespace.
testListenBacklogIsCappedAtTheKernelsSomaxconn() {
	build_fixture wsgi-app
	move_slug
	# The platform's (root's) setting: the dyno's own user cannot change it.
	DYNO_SOMAXCONN=64
	export DYNO_SOMAXCONN
	with_dyno 'cat /proc/sys/net/core/somaxconn >"$OUT/somaxconn"'
	assertEquals "the dyno booted and answered" 0 $?
	unset DYNO_SOMAXCONN
	assertEquals "somaxconn in the dyno's namespace" 64 "$(cat "${OUTPUT_DIR}/somaxconn")"
	assertFileContains "listen backlog 64, capped at net.core.somaxconn" "${DYNO_LOG}"
	assertFileContains "your server socket listen backlog is limited to 64 connections" "${DYNO_LOG}"
}
