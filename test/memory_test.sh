#!/bin/sh
# shellcheck disable=SC2016 # snippets are expanded by the dyno-side bash
# The default uwsgi.ini under a real memory limit: a cgroup v1 memory cgroup
# made by root on this machine (the kernel's own limit and OOM killer, as on
# a dyno), which the dyno finds from its own /proc/self/cgroup, not from the
# mount's root. Skipped, saying why, where the machine cannot make one.
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

# A route that leaks 20 MB a request (a cache that never evicts, a list that
# only grows), the pages written so they count; 60 requests, 4 at a time,
# reach a 512 MB dyno's limit several times over. Each worker is replaced
# after its current requests when it passes its share; no request may be
# lost, and the kernel's OOM killer must never have to step in.
testALeakingAppUnderARealMemoryLimitLosesNoRequest() {
	if ! cgroup=$(real_memory_cgroup 512); then
		echo "SKIPPED: no real memory cgroup on this machine: ${cgroup}"
		startSkipping
		return 0
	fi
	use_fixture wsgi-app
	cat >"${BUILD_DIR}/wsgi.py" <<-'PY'
	import time

	LEAKED = []


	def application(environ, start_response):
	    if environ["PATH_INFO"] == "/leak":
	        LEAKED.append(b"\1" * (20 * 1024 * 1024))
	        time.sleep(0.2)
	    body = b"ok\n"
	    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
	    return [body]
	PY
	echo "3.12" >"${BUILD_DIR}/.python-version"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	move_slug
	DYNO_CGROUP=${cgroup}
	export DYNO_CGROUP
	with_dyno '
		seq 1 60 | xargs -P 4 -I{} curl -s -o /dev/null -w "%{http_code}\n" --max-time 60 \
			http://127.0.0.1:5000/leak >"$OUT/statuses"'
	unset DYNO_CGROUP
	ok=$(grep -c '^200$' "${OUTPUT_DIR}/statuses")
	oom_kills=$(sed -n 's/^oom_kill //p' "${cgroup}/memory.oom_control")
	peak_mb=$(($(cat "${cgroup}/memory.max_usage_in_bytes") / 1048576))
	reloads=$(grep -c "The work of process .* is done" "${DYNO_LOG}")
	echo "512 MB cgroup, 20 MB leaked a request, 60 requests 4 at a time: ${ok}/60 answered 200," \
		"${oom_kills} OOM kills, peak ${peak_mb} MB, ${reloads} worker reloads"
	grep -o 'uwsgi-buildpack: [0-9]* MB memory.*' "${DYNO_LOG}"
	remove_memory_cgroup "${cgroup}"
	assertFileContains "the dyno read its own cgroup's limit" \
		"uwsgi-buildpack: 512 MB memory (cgroup v1), " "${DYNO_LOG}"
	assertFileContains "a worker reloads above 192 MB RSS" "${DYNO_LOG}"
	assertEquals "requests answered 200 (statuses: $(sort "${OUTPUT_DIR}/statuses" | uniq -c | tr '\n' ' '))" 60 "${ok}"
	assertEquals "OOM kills in the dyno's cgroup" 0 "${oom_kills}"
	assertTrue "workers were replaced as they passed their share (${reloads} reloads)" "[ ${reloads} -ge 2 ]"
}
