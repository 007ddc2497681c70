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

# Seed caches. Compiling uWSGI takes half a minute of both CPUs or more, so a
# test whose subject is not the compile starts from a build cache that already
# holds uWSGI compiled for its Python (and pip-tools, and Python with the
# buildpack's packages installed): a seed, made once per Python minor version by
# a real build of test/fixtures/wsgi-app with an empty requirements.txt into
# SEED_ROOT/X.Y/cache, then copied into each test that needs it. A seed is made
# on demand, under a lock, by the first test that asks for it, so no test
# depends on another having run.
# test/run shares one SEED_ROOT between all suites (UWSGI_BP_SEED_DIR); under
# heroku-buildpack-testrunner, each suite makes its own in its SHUNIT_TMPDIR.
# The tests whose subject is the compile itself (cold build, Python change,
# interrupted or failing compile) still start from a cache without uWSGI.
#
# TEST_SUITE_CACHE is each test's own: an empty directory, seeded for the
# Python the app asks for when compile_with_cache first builds with it (or, in
# the suites that set SEED_EVERY_TEST, at setUp with SEED_PYTHON, for tests that
# run bin/compile themselves). What a test leaves there is thrown away with it.
SEED_PYTHON=3.12

# Users. Heroku runs neither a build nor a dyno as root, so neither do the
# suites when they run as root: every command a suite runs through `capture`
# (bin/compile, bin/detect, bin/release, bin/report, bin/test, as the
# testrunner's compile/detect/release do) and every seed build runs as the
# build user (uwsgi-bp-build), with the test's directories (OUTPUT_DIR: the
# build dir, the caches, ENV_DIR) and the seed caches owned by it; every dyno
# (with_dyno, test/tools/dyno run) runs as the dyno user (uwsgi-bp-dyno), on a
# slug that move_slug copied and gave to it, with stdout and stderr a pipe root
# made. Two users, not one: a slug that only works when the dyno is the user
# who built it fails here as it would on Heroku. Root keeps only what needs it:
# the dynos' network namespaces (unshare), making the users' files theirs.
# test/tools/as-user does the switching and says more; test/tools/prerequisites
# creates the users. Run by anyone else, everything runs as that user.
AS_USER="${TOOLS}/as-user"
BUILD_IDS=""

# The platform the suites stand in for: Heroku, or, with UWSGI_BP_PLATFORM=
# herokuish (test/herokuish_test.sh sets it), Dokku's builder herokuish
# (test/tools/dyno --herokuish says how it differs): the builds see the config
# vars in their environment too, build and dyno are one user (the build
# user), and a dyno is started and stopped as herokuish and docker stop do
# (with_dyno).
UWSGI_BP_PLATFORM=${UWSGI_BP_PLATFORM:-heroku}
export UWSGI_BP_PLATFORM
if [ "${UWSGI_BP_PLATFORM}" = herokuish ]; then
	UWSGI_BP_DYNO_USER=$("${AS_USER}" name build)
	export UWSGI_BP_DYNO_USER
fi

# use_build_image_python: when test/tools/prerequisites gave the build user a
# python3 of its own (root's own is out of its reach), the suite's commands use
# it too, so that a build whose command line sets PATH finds it.
use_build_image_python() {
	[ "$(id -u)" -eq 0 ] || return 0
	build_image_bin="$(getent passwd "$("${AS_USER}" name build)" | cut -d: -f6)/build-image/bin"
	case ":${PATH}:" in
	*":${build_image_bin}:"*) ;;
	*) [ ! -d "${build_image_bin}" ] || PATH="${build_image_bin}:${PATH}" ;;
	esac
}
use_build_image_python

# short_tmp: a directory for temporary files whose path is short, like /tmp:
# TMPDIR when it is (test/run points it at its RAM disk), else /tmp. A build
# under a deep TMPDIR falls back to /tmp (lib/uwsgi_buildpack/tempdir.py).
short_tmp() {
	tmp_root=${TMPDIR:-/tmp}
	[ "${#tmp_root}" -le 24 ] || tmp_root=/tmp
	echo "${tmp_root}"
}

# build_user_owns PATH...: give PATH (recursively; what root owns there) to the
# build user, for directories a test makes outside OUTPUT_DIR for a build.
build_user_owns() {
	"${AS_USER}" own build "$@"
}

# build_user_owns_output: before a build, what root made in the test's
# OUTPUT_DIR since the last one (a fixture copied, a requirements.txt edited,
# a cache entry planted) becomes the build user's, as the files of a build dir
# and cache are on Heroku; the slug (OUTPUT_DIR/app), the dyno user's, is left
# alone. find skips the files that already are the build user's, so this is
# cheap (a stat per file) after the first time.
build_user_owns_output() {
	[ "$(id -u)" -eq 0 ] || return 0
	if [ -z "${BUILD_IDS}" ]; then
		if ! id -u "$("${AS_USER}" name build)" >/dev/null 2>&1; then
			"${TOOLS}/prerequisites" --for test/helpers.sh users >/dev/null || return 1
			use_build_image_python
		fi
		build_user=$("${AS_USER}" name build)
		BUILD_IDS="$(id -u "${build_user}"):$(id -g "${build_user}")"
	fi
	find "${OUTPUT_DIR}" -path "${OUTPUT_DIR}/app" -prune -o -user 0 -exec chown -h "${BUILD_IDS}" {} +
}

# capture CMD [ARG...]: the testrunner's capture (see its test_utils.sh, whose
# quirk of word-splitting the command line again is kept), with CMD run as the
# build user. Every command the suites capture is one of the buildpack's bin/
# scripts, which Heroku runs as its build user.
capture() {
	resetCapture
	# LAST_COMMAND and rtrn are the testrunner's public API, read by suites.
	# shellcheck disable=SC2034
	LAST_COMMAND="$*"
	build_user_owns_output
	exported=""
	# herokuish: the config vars in the build's environment as well.
	[ "${UWSGI_BP_PLATFORM}" != herokuish ] || [ ! -d "${ENV_DIR:-}" ] || exported="${TOOLS}/dyno exported ${ENV_DIR} --"
	# shellcheck disable=SC2068,SC2086 # compat: word-split again, as the testrunner does
	"${AS_USER}" build ${exported} $@ >"${STD_OUT}" 2>"${STD_ERR}"
	RETURN=$?
	# shellcheck disable=SC2034
	rtrn=${RETURN}
}

# Where the runner put the buildpack. The builds run bin/compile from
# BUILDPACK_HOME as the build user, and write BUILDPACK_HOME/export (for later
# buildpacks; compile_test.sh checks it), so the build user must read and enter
# all of it and write its top directory; and `capture` word-splits its command
# line (as the testrunner's does), so its path must hold no blank or pattern
# character. A runner may put it anywhere: heroku-buildpack-testrunner copies
# it into `mktemp -d /tmp/bp_mirror.XXXX` (0700, root's), a developer may run
# a suite on a read-only checkout or one whose path has spaces. Then the suite
# builds from a copy of its own that the build user can use (made by
# use_reachable_buildpack in start_suite, removed by end_suite); test/run's
# copies are usable as they are.

# buildpack_usable DIR: whether the builds can use the buildpack in DIR.
buildpack_usable() {
	case $1 in
	*[[:space:]]* | *[*?[]*) return 1 ;;
	esac
	# shellcheck disable=SC2016 # expanded by the inner sh
	"${AS_USER}" build sh -c 'cd / && [ -r "$1/bin/compile" ] && [ -x "$1/bin/compile" ] &&
		[ -r "$1/lib/uwsgi_buildpack/cli.py" ] && [ -w "$1" ] && [ -x "$1" ]' sh "$1" 2>/dev/null
}

# closed_dir PATH: the first directory on the way to PATH (PATH included) that
# the build user cannot enter, or nothing.
closed_dir() {
	closed_path=$1
	closed_prefix=""
	while [ -n "${closed_path}" ]; do
		closed_part=${closed_path%%/*}
		closed_path=${closed_path#"${closed_part}"}
		closed_path=${closed_path#/}
		closed_prefix="${closed_prefix}${closed_part}/"
		if ! "${AS_USER}" build test -x "${closed_prefix}" 2>/dev/null; then
			echo "${closed_prefix%/}"
			return 0
		fi
	done
}

# use_reachable_buildpack: when the builds cannot use BUILDPACK_HOME where it
# is, BUILDPACK_HOME becomes a copy they can use, and the paths derived from it
# follow; returns non-zero, having said exactly why, when no copy would do.
use_reachable_buildpack() {
	BP_COPY_ROOT=""
	buildpack_usable "${BUILDPACK_HOME}" && return 0
	bp_why="the build user ($("${AS_USER}" name build 2>/dev/null || id -un)) cannot use BUILDPACK_HOME=${BUILDPACK_HOME}"
	case ${BUILDPACK_HOME} in
	*[[:space:]]* | *[*?[]*) bp_why="BUILDPACK_HOME=${BUILDPACK_HOME} has a blank or pattern character, which capture would split" ;;
	*)
		bp_closed=$(closed_dir "${BUILDPACK_HOME}")
		[ -z "${bp_closed}" ] ||
			bp_why="${bp_why}: it cannot enter ${bp_closed} ($(stat -c '%A %U' "${bp_closed}"))"
		;;
	esac
	bp_tried=""
	# A place of the suite's own, or /tmp when that path could be split too.
	for bp_parent in "${SHUNIT_TMPDIR:-}" /tmp; do
		case ${bp_parent} in
		"" | *[[:space:]]* | *[*?[]*) continue ;;
		esac
		bp_copy_root=$(mktemp -d "${bp_parent}/bp.XXXXXX") || continue
		chmod 711 "${bp_copy_root}"
		if [ "$(id -u)" -eq 0 ] && [ "${bp_parent}" = "${SHUNIT_TMPDIR:-}" ]; then
			# shunit2 made them for root alone (see afterSetUp).
			chmod 711 "${SHUNIT_TMPDIR%/*}" "${SHUNIT_TMPDIR}"
		fi
		if ! "${TOOLS}/copy-buildpack" "${BUILDPACK_HOME}" "${bp_copy_root}/bp"; then
			bp_tried="${bp_tried}; a copy in ${bp_copy_root}: copy-buildpack failed"
		else
			[ "$(id -u)" -ne 0 ] || chown "$("${AS_USER}" name build)" "${bp_copy_root}/bp"
			if buildpack_usable "${bp_copy_root}/bp"; then
				echo "test/helpers.sh: ${bp_why}; the suite builds from a copy: ${bp_copy_root}/bp"
				BP_COPY_ROOT=${bp_copy_root}
				BUILDPACK_HOME=${bp_copy_root}/bp
				export BUILDPACK_HOME
				TOOLS="${BUILDPACK_HOME}/test/tools"
				FIXTURES="${BUILDPACK_HOME}/test/fixtures"
				AS_USER="${TOOLS}/as-user"
				return 0
			fi
			bp_closed=$(closed_dir "${bp_copy_root}/bp")
			bp_tried="${bp_tried}; a copy in ${bp_copy_root}: ${bp_closed:+it cannot enter ${bp_closed}}${bp_closed:-it cannot read or write it}"
		fi
		rm -rf "${bp_copy_root}"
	done
	echo "test/helpers.sh: ${bp_why}, nor ${bp_tried:-a copy of it: no directory for one under ${SHUNIT_TMPDIR:-} or /tmp}" | sed 's/, nor ; /, nor /'
	return 1
}

# use_reachable_cwd: the builds start in the suite's working directory, which a
# runner may have made for root alone (heroku-buildpack-testrunner's
# `mktemp -d /tmp/virtual_working_dir.XXXX`); then the suite works from a
# directory of its own.
use_reachable_cwd() {
	"${AS_USER}" build test -x "${PWD}" 2>/dev/null && return 0
	mkdir -p "${SHUNIT_TMPDIR}/cwd" || return 1
	[ "$(id -u)" -ne 0 ] || chmod 711 "${SHUNIT_TMPDIR%/*}" "${SHUNIT_TMPDIR}" "${SHUNIT_TMPDIR}/cwd" || return 1
	cd "${SHUNIT_TMPDIR}/cwd" || return 1
}

# The suites' oneTimeSetUp and oneTimeTearDown: the buildpack and working
# directory the builds can use, the seed caches' place and the runtime mirror.
start_suite() {
	if [ "$(id -u)" -eq 0 ]; then
		"${TOOLS}/prerequisites" --for test/helpers.sh users || return 1
		use_build_image_python
	fi
	use_reachable_buildpack || return 1
	use_reachable_cwd || return 1
	SEED_ROOT="${UWSGI_BP_SEED_DIR:-${SHUNIT_TMPDIR}/seed-caches}"
	mkdir -p "${SEED_ROOT}"
	if [ "$(id -u)" -eq 0 ]; then
		# The builds write the seeds, and seeds made by an earlier run as
		# root become the build user's.
		chmod 755 "${SEED_ROOT}"
		build_user_owns "${SEED_ROOT}"
	fi
	start_runtime_mirror
}

end_suite() {
	stop_runtime_mirror
	[ -z "${BP_COPY_ROOT:-}" ] || rm -rf "${BP_COPY_ROOT}"
}

# shunit2 calls afterSetUp (a testrunner hook) after each test's setUp.
afterSetUp() {
	TEST_STARTED_AT=$(date +%s)
	TEST_SUITE_CACHE="${OUTPUT_DIR}/suite-cache"
	SEEDED_PYTHON=""
	SEEDED_STATE=""
	mkdir -p "${TEST_SUITE_CACHE}"
	# mktemp made them for root alone: the build and dyno users must reach
	# the test's files through them (and find nothing to list).
	# (shunit2's SHUNIT_TMPDIR is the tmp/ of a directory of its own.)
	chmod 711 "${SHUNIT_TMPDIR%/*}" "${SHUNIT_TMPDIR}" "${OUTPUT_DIR}"
	if [ -n "${SEED_EVERY_TEST:-}" ]; then
		seed_cache "${TEST_SUITE_CACHE}" "${SEED_PYTHON}"
	fi
}

# afterTearDown (a testrunner hook, after each test's tearDown): how long the
# test took, so that a suite's output shows where its minutes go. (shunit2
# 2.1.8 calls tearDown once more at its end: nothing is shown then.)
afterTearDown() {
	[ -n "${TEST_STARTED_AT:-}" ] || return 0
	echo "    ($(($(date +%s) - TEST_STARTED_AT)) s)"
	TEST_STARTED_AT=""
}

# make_seed X.Y: make the seed cache for Python X.Y unless it is there; returns
# non-zero (after showing the build log once) if it cannot be made. The suite
# that makes it says how long it took, and leaves the figure in SEED_ROOT/X.Y.took
# (test/run lists them at its end).
make_seed() {
	seed="${SEED_ROOT}/$1"
	[ -f "${seed}/done" ] && return 0
	[ -f "${seed}/failed" ] && return 1
	(
		flock 9 || exit 1
		[ -f "${seed}/done" ] && exit 0
		[ -f "${seed}/failed" ] && exit 1
		rm -rf "${seed}"
		mkdir -p "${seed}/app" "${seed}/cache" "${seed}/env"
		cp -a "${FIXTURES}/wsgi-app/." "${seed}/app/"
		# No package of its own: the seed's Python holds only what the buildpack
		# installs, so a test never finds one of its packages already there.
		echo "# the seed cache's app: no packages of its own" >"${seed}/app/requirements.txt"
		echo "$1" >"${seed}/app/.python-version"
		build_user_owns "${seed}"
		seed_started=$(date +%s)
		if "${AS_USER}" build "${BUILDPACK_HOME}/bin/compile" "${seed}/app" "${seed}/cache" "${seed}/env" >"${seed}/build.log" 2>&1; then
			rm -rf "${seed}/app" "${seed}/env"
			seed_took="$(($(date +%s) - seed_started)) s"
			echo "    (set-up: the seed cache for Python $1 took ${seed_took})"
			# (shunit2's name for the suite it runs; nothing when it has none.)
			# shellcheck disable=SC2154
			seed_suite=${__shunit_script:-}
			echo "${seed_took}${seed_suite:+, made by ${seed_suite##*/}}" >"${SEED_ROOT}/$1.took"
			touch "${seed}/done"
		else
			echo "---- the seed cache for Python $1 could not be made; tests start without it ----"
			cat "${seed}/build.log"
			touch "${seed}/failed"
			exit 1
		fi
	) 9>"${SEED_ROOT}/$1.lock"
}

# cache_state DIR: changes whenever a build has used the cache (each build
# rewrites its report there).
cache_state() {
	find "$1/uwsgi-buildpack" -maxdepth 1 -printf '%p %T@ %s\n' 2>/dev/null | sort | cksum
}

# seed_cache DIR X.Y: DIR becomes a copy of the seed cache for Python X.Y (left
# empty if the seed cannot be made: the build then compiles, as it would have).
seed_cache() {
	rm -rf "$1"
	mkdir -p "$1"
	make_seed "$2" || return 0
	# Python's prefix (nearly all of the seed's 100 MB and 3,000 files) as hard
	# links, as the build itself restores it from the cache: the buildpack never
	# rewrites a file of it in place, and replaces the whole entry when it
	# changes, so no test can change the seed through its links. Everything else
	# (metadata, the uWSGI wheel, pip-tools, locks) is copied.
	for entry in "${SEED_ROOT}/$2/cache/uwsgi-buildpack"/*; do
		if [ "${entry##*/}" = python ]; then
			mkdir -p "$1/uwsgi-buildpack/python"
			# (A copy when the seeds are on another filesystem than TMPDIR.)
			cp -al "${entry}/data" "$1/uwsgi-buildpack/python/" 2>/dev/null ||
				cp -a "${entry}/data" "$1/uwsgi-buildpack/python/"
			cp -a "${entry}/metadata.json" "$1/uwsgi-buildpack/python/"
		else
			mkdir -p "$1/uwsgi-buildpack"
			cp -a "${entry}" "$1/uwsgi-buildpack/"
		fi
	done
	SEEDED_PYTHON=$2
	SEEDED_STATE=$(cache_state "$1")
}

# app_python_minor: the X.Y the app in BUILD_DIR asks for (runtime.txt first, as
# the buildpack reads them; the mirror's newest without either), or nothing when
# the mirror has no such Python. Pipfile.lock and requires-python are not read:
# the tests of those seed the cache they need themselves.
app_python_minor() {
	if [ -f "${BUILD_DIR}/runtime.txt" ]; then
		minor=$(sed -n 's/^[[:space:]]*python-\([0-9]*\.[0-9]*\)\..*/\1/p' "${BUILD_DIR}/runtime.txt" | head -n 1)
	elif [ -f "${BUILD_DIR}/.python-version" ]; then
		minor=$(sed -e 's/#.*//' "${BUILD_DIR}/.python-version" | grep -v '^[[:space:]]*$' | head -n 1 |
			sed -n 's/^[[:space:]]*\([0-9]*\.[0-9]*\).*/\1/p')
	else
		minor=$(sed -n 's/^[0-9a-f]*  python-\(3\.[0-9]*\)\.[0-9]*-ubuntu-.*/\1/p' "${MIRROR_DIR}/SHA256SUMS" |
			sort -t. -k2 -n | tail -n 1)
	fi
	[ -n "${minor}" ] && [ -n "$(mirror_version_of "${minor}")" ] && echo "${minor}"
}

# warm_suite_cache: before a build with TEST_SUITE_CACHE, seed it for the app's
# Python unless it already is, or a build has used it since it was seeded.
warm_suite_cache() {
	minor=$(app_python_minor) || return 0
	[ -n "${minor}" ] && [ "${minor}" != "${SEEDED_PYTHON}" ] || return 0
	if [ -z "$(ls -A "${TEST_SUITE_CACHE}")" ] || [ "$(cache_state "${TEST_SUITE_CACHE}")" = "${SEEDED_STATE}" ]; then
		seed_cache "${TEST_SUITE_CACHE}" "${minor}"
	fi
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
# As root, the slug is a copy owned by the dyno user (`test/tools/dyno ship`:
# Heroku unpacks a tarball of the build dir; giving the build dir to the dyno
# user in place would change the build cache's hard-linked files too).
move_slug() {
	SLUG_DIR="${OUTPUT_DIR}/app"
	rm -rf "${SLUG_DIR}"
	"${TOOLS}/dyno" ship "${BUILD_DIR}" "${SLUG_DIR}"
	"${AS_USER}" build "${BUILDPACK_HOME}/bin/release" "${SLUG_DIR}" >"${OUTPUT_DIR}/release.yml"
	mv "${OUTPUT_DIR}/release.yml" "${SLUG_DIR}/.release.yml"
	chown --reference="${SLUG_DIR}" "${SLUG_DIR}/.release.yml"
}

# with_dyno SNIPPET [NAME=VALUE...]: start the slug's web process like a dyno,
# wait until it answers HTTP on 127.0.0.1:5000, run the shell SNIPPET (bash), then
# stop the dyno as Heroku does (SIGTERM to every process, SIGKILL 30 s later, here
# sooner). The dyno runs in a private network namespace with only a loopback
# interface, so whatever address the app's uwsgi.ini binds (Heroku's configs
# bind all interfaces) is reachable from 127.0.0.1 only. The snippet sees
# DYNO_PGID (the dyno's process group), DYNO_LOG and OUT (the test's output dir)
# and its exit status is returned; 7 if the dyno never answered. The web
# process writes to a pipe made by this shell (root, when the suites run as
# root), as a dyno's processes write to the platform's log pipe, and runs as
# the dyno user (test/tools/dyno run), or as DYNO_USER when that is exported
# (the slug must then be that user's). With DYNO_SOMAXCONN exported, the dyno's
# network namespace has that net.core.somaxconn (set by root, as the platform
# sets a dyno's kernel parameters; the dyno's user cannot). Under herokuish
# (UWSGI_BP_PLATFORM), the dyno is test/tools/dyno run --herokuish with the
# test's ENV_DIR as the build's env dir, and a SIGTERM to the dyno's process
# group (the snippet's or the one that ends it) is docker stop's: the tool
# passes it to the exec'd process alone and SIGKILLs the rest after
# DYNO_STOP_TIMEOUT seconds (default 30, Dokku's). With DYNO_CGROUP
# exported (a cgroup v1 directory root made, such as one of
# /sys/fs/cgroup/memory), the dyno's processes run in that cgroup, and under
# its limits, from their start: real_memory_cgroup makes one.
with_dyno() {
	snippet="$1"
	shift
	DYNO_LOG="${OUTPUT_DIR}/dyno.log"
	# shellcheck disable=SC2016 # the script is expanded by the inner bash
	DYNO_ENV_DIR=${ENV_DIR:-} unshare --net bash -c '
		tools=$1 slug=$2 DYNO_LOG=$3 OUT=$4 snippet=$5
		shift 5
		env_args=()
		stop_wait=50
		if [ "$UWSGI_BP_PLATFORM" = herokuish ]; then
			env_args+=(--herokuish --stop-timeout "${DYNO_STOP_TIMEOUT:-30}")
			[ ! -d "$DYNO_ENV_DIR" ] || env_args+=(--env-dir "$DYNO_ENV_DIR")
			# (docker stop SIGKILLs by itself, after its timeout.)
			stop_wait=$(((${DYNO_STOP_TIMEOUT:-30} + 5) * 5))
		fi
		for pair in "$@"; do env_args+=(--env "$pair"); done
		ip link set lo up
		[ -z "${DYNO_SOMAXCONN:-}" ] || echo "$DYNO_SOMAXCONN" >/proc/sys/net/core/somaxconn
		[ -z "${DYNO_USER:-}" ] || env_args+=(--user "$DYNO_USER")
		# As on Heroku: the dyno runs as an unprivileged user, and its
		# stdout and stderr are a pipe that this (root) shell made.
		exec 3> >(cat >"$DYNO_LOG")
		log_writer=$!
		in_cgroup=()
		# (The tool and everything it starts; not this shell, the log or curl.)
		[ -z "${DYNO_CGROUP:-}" ] || in_cgroup=(sh -c '\''echo $$ >"$0/cgroup.procs" && exec "$@"'\'' "$DYNO_CGROUP")
		setsid "${in_cgroup[@]}" "$tools/dyno" run "$slug" --port 5000 "${env_args[@]}" >&3 2>&3 &
		DYNO_PGID=$!
		exec 3>&-
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
		for _ in $(seq 1 "$stop_wait"); do kill -0 -- "-$DYNO_PGID" 2>/dev/null || break; sleep 0.2; done
		kill -KILL -- "-$DYNO_PGID" 2>/dev/null
		wait "$log_writer"
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

# fresh_cache DIR: a new build cache holding only the seed's compiled uWSGI and
# pip-tools for SEED_PYTHON, so a test can start from an empty Python and
# package cache without compiling uWSGI once more.
fresh_cache() {
	rm -rf "$1"
	mkdir -p "$1/uwsgi-buildpack"
	make_seed "${SEED_PYTHON}" || return 0
	for entry in uwsgi pip-tools; do
		cp -a "${SEED_ROOT}/${SEED_PYTHON}/cache/uwsgi-buildpack/${entry}" "$1/uwsgi-buildpack/"
	done
}

# build_fixture NAME: the fixture on Python 3.12 with the suite's shared cache.
build_fixture() {
	use_fixture "$1"
	echo "3.12" >"${BUILD_DIR}/.python-version"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
}

# Compile with a given cache dir; TEST_SUITE_CACHE is seeded first (see above).
compile_with_cache() {
	if [ "$1" = "${TEST_SUITE_CACHE}" ]; then
		warm_suite_cache
	fi
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

# real_memory_cgroup MB: make a real cgroup v1 memory cgroup limited to MB
# megabytes (the kernel's own limit, as a dyno's), under the memory cgroup
# this shell is in, and print its directory (export it as DYNO_CGROUP for
# with_dyno). Returns non-zero, with the reason on stdout, where this machine
# cannot: not root, or no writable cgroup v1 memory controller.
# remove_memory_cgroup DIR removes it once its processes are gone.
real_memory_cgroup() {
	memory_root=/sys/fs/cgroup/memory
	if [ "$(id -u)" -ne 0 ]; then
		echo "not root: only root can make a cgroup"
		return 1
	fi
	if [ ! -w "${memory_root}" ] || [ ! -f "${memory_root}/memory.limit_in_bytes" ]; then
		echo "no writable cgroup v1 memory controller at ${memory_root} ($(mount | grep -c ' type cgroup') cgroup mounts: $(mount | sed -n 's/^cgroup2* on \([^ ]*\) type .*/\1/p' | tr '\n' ' '))"
		return 1
	fi
	own=$(sed -n 's/^[0-9]*:\([^:]*,\)*memory\(,[^:]*\)*:\(.*\)$/\3/p' /proc/self/cgroup | head -n 1)
	parent=${memory_root}${own%/}
	[ -w "${parent}" ] || parent=${memory_root}
	cgroup_dir=$(mktemp -d "${parent}/uwsgi-bp-test.XXXXXX" 2>/dev/null) || {
		echo "cannot create a cgroup under ${parent}"
		return 1
	}
	# (mktemp's 0700 would hide the cgroup's files from the dyno's user; a
	# platform's cgroups are readable by everyone, as the kernel makes them.)
	chmod 755 "${cgroup_dir}"
	if ! echo $(($1 * 1048576)) >"${cgroup_dir}/memory.limit_in_bytes"; then
		rmdir "${cgroup_dir}"
		echo "cannot set memory.limit_in_bytes in ${cgroup_dir}"
		return 1
	fi
	echo "${cgroup_dir}"
}

remove_memory_cgroup() {
	for _ in $(seq 1 50); do
		rmdir "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	echo "could not remove the cgroup $1: $(wc -l <"$1/cgroup.procs" 2>/dev/null) processes still in it"
	return 1
}
