#!/bin/sh
# Shared by the test suites (test/*_test.sh), after the testrunner's test_utils.sh.
#
# Uses only what is inside BUILDPACK_HOME, so the suites run the same under
# heroku-buildpack-testrunner and under test/run. shunit2 runs suites with
# /bin/sh whatever their shebang says, so this is POSIX sh.
#
# Heroku's runtime archives live on S3, which these machines cannot reach; the
# stand-in is an offline mirror made from the CPython installs on this machine
# by test/tools/make-runtime-mirror: same names, same shape, same SHA256SUMS.

TOOLS="${BUILDPACK_HOME}/test/tools"
FIXTURES="${BUILDPACK_HOME}/test/fixtures"
MIRROR_DIR="${UWSGI_BP_MIRROR_DIR:-${XDG_CACHE_HOME:-${HOME}/.cache}/uwsgi-buildpack/runtime-mirror}"
export STACK="${STACK:-heroku-24}"

# The suites' oneTimeSetUp and oneTimeTearDown: a cache shared by the suite's
# tests (the testrunner's TEST_SUITE_CACHE) and the runtime mirror.
start_suite() {
	TEST_SUITE_CACHE="$(mktemp -d "${SHUNIT_TMPDIR}/test_suite_cache.XXXX")"
	start_runtime_mirror
}

end_suite() {
	stop_runtime_mirror
	rm -rf "${TEST_SUITE_CACHE}"
}

# Build (or reuse) the runtime mirror and serve it on a free loopback port.
start_runtime_mirror() {
	"${TOOLS}/make-runtime-mirror" "${MIRROR_DIR}" >"${SHUNIT_TMPDIR}/mirror-make.log" 2>&1 || {
		cat "${SHUNIT_TMPDIR}/mirror-make.log"
		fail "make-runtime-mirror failed"
		return 1
	}
	MIRROR_PORT_FILE="${SHUNIT_TMPDIR}/mirror.port"
	rm -f "${MIRROR_PORT_FILE}"
	"${TOOLS}/serve-runtime-mirror" "${MIRROR_DIR}" --port-file "${MIRROR_PORT_FILE}" >/dev/null 2>&1 &
	MIRROR_PID=$!
	wait_for_file "${MIRROR_PORT_FILE}"
	PYTHON_RUNTIME_URL="http://127.0.0.1:$(cat "${MIRROR_PORT_FILE}")"
	export PYTHON_RUNTIME_URL
}

# wait_for_file FILE: wait up to 10 s for a server to write its port file.
wait_for_file() {
	tries=0
	while [ ! -s "$1" ] && [ "${tries}" -lt 100 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
}

stop_runtime_mirror() {
	[ -n "${MIRROR_PID:-}" ] && kill "${MIRROR_PID}" 2>/dev/null
	wait "${MIRROR_PID}" 2>/dev/null
	MIRROR_PID=""
}

# Versions the mirror serves, e.g. `mirror_versions 3.12` -> 3.12.1
mirror_version_of() {
	minor_re=$(printf '%s' "$1" | sed 's/\./\\./g')
	sed -n "s/^[0-9a-f]*  python-\(${minor_re}\.[0-9]*\)-ubuntu-.*/\1/p" "${MIRROR_DIR}/SHA256SUMS" |
		sort -t. -k3 -n | tail -n 1
}

# Copy a fixture app from test/fixtures into BUILD_DIR.
use_fixture() {
	cp -a "${FIXTURES}/$1/." "${BUILD_DIR}/"
}

# Move the built slug away from BUILD_DIR (as Heroku moves it to /app) and make
# sure nothing still refers to the old place: the build dir is gone afterwards.
move_slug() {
	SLUG_DIR="${OUTPUT_DIR}/app"
	rm -rf "${SLUG_DIR}"
	mv "${BUILD_DIR}" "${SLUG_DIR}"
	"${BUILDPACK_HOME}/bin/release" "${SLUG_DIR}" >"${SLUG_DIR}/.release.yml"
}

# with_dyno SNIPPET [NAME=VALUE...]: start the slug's web process like a dyno,
# wait until it answers HTTP on 127.0.0.1:5000, run the shell SNIPPET (bash), then
# stop the dyno as Heroku does (SIGTERM to every process, SIGKILL 30 s later, here
# sooner). The dyno runs in a private network namespace with only a loopback
# interface, so whatever address the app's uwsgi.ini binds (Heroku's configs
# bind all interfaces) is reachable from 127.0.0.1 only. The snippet sees
# DYNO_PGID (the dyno's process group), DYNO_LOG and OUT (the test's output dir)
# and its exit status is returned; 7 if the dyno never answered.
with_dyno() {
	snippet="$1"
	shift
	DYNO_LOG="${OUTPUT_DIR}/dyno.log"
	# shellcheck disable=SC2016 # the script is expanded by the inner bash
	unshare --net bash -c '
		tools=$1 slug=$2 DYNO_LOG=$3 OUT=$4 snippet=$5
		shift 5
		env_args=()
		for pair in "$@"; do env_args+=(--env "$pair"); done
		ip link set lo up
		setsid "$tools/dyno" run "$slug" --port 5000 "${env_args[@]}" >"$DYNO_LOG" 2>&1 &
		DYNO_PGID=$!
		up=no
		for _ in $(seq 1 150); do
			if curl -s -o /dev/null --max-time 5 "http://127.0.0.1:5000/" 2>/dev/null; then
				up=yes
				break
			fi
			kill -0 "$DYNO_PGID" 2>/dev/null || break
			sleep 0.2
		done
		status=7
		if [ "$up" = yes ]; then
			export DYNO_PGID DYNO_LOG OUT
			bash -c "$snippet"
			status=$?
		fi
		kill -TERM -- "-$DYNO_PGID" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 -- "-$DYNO_PGID" 2>/dev/null || break; sleep 0.2; done
		kill -KILL -- "-$DYNO_PGID" 2>/dev/null
		exit "$status"
	' with_dyno "${TOOLS}" "${SLUG_DIR}" "${DYNO_LOG}" "${OUTPUT_DIR}" "${snippet}" "$@"
}

# serve_slug URL_PATH [NAME=VALUE...]: GET URL_PATH from the dyno; the body is
# left in BODY_FILE, the log in DYNO_LOG; returns curl's status.
serve_slug() {
	BODY_FILE="${OUTPUT_DIR}/body"
	: >"${BODY_FILE}"
	url_path="$1"
	shift
	with_dyno "curl -fsS --max-time 10 -o \"\$OUT/body\" \"http://127.0.0.1:5000${url_path}\"" "$@"
}

# Fail with the build log when a compile did not succeed.
assertBuilt() {
	assertCapturedSuccess
	if [ "${RETURN}" != "0" ]; then
		echo "---- build output ----"
		cat "${STD_OUT}" "${STD_ERR}"
	fi
}

# fresh_cache DIR: a new build cache holding only the suite cache's compiled
# uWSGI and pip-tools (when it has them), so a test can start from an empty
# Python and package cache without compiling uWSGI once more.
fresh_cache() {
	rm -rf "$1"
	mkdir -p "$1/uwsgi-buildpack"
	for entry in uwsgi pip-tools; do
		if [ -d "${TEST_SUITE_CACHE}/uwsgi-buildpack/${entry}" ]; then
			cp -a "${TEST_SUITE_CACHE}/uwsgi-buildpack/${entry}" "$1/uwsgi-buildpack/"
		fi
	done
}

# Compile with a given cache dir (the suite-wide one shares compiled uWSGI between tests).
compile_with_cache() {
	capture "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "$1" "${ENV_DIR}"
}

assertServes() {
	needle="$1"
	shift
	serve_slug "$@"
	serve_status=$?
	assertEquals "GET $1: curl status (dyno log: $(tail -n 20 "${DYNO_LOG}" | tr '\n' '|'))" 0 "${serve_status}"
	assertFileContains "response body" "${needle}" "${BODY_FILE}"
}
