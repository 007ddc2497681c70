#!/bin/sh
# The tools under test/tools/ on a machine that lacks what they need: a Debian
# package, or (run by root) the tests' users. Each one sets it up or stops with
# one line saying why, never with a bare exit status.
#
# Nothing here changes the machine: a package counts as missing through
# UWSGI_BP_MISSING_PACKAGES, and root's apt-get is a stand-in first on PATH (it
# "installs" a package by putting a command of its name there, which is all
# the probe of wrk, the one package a test machine may lack, looks for); a user
# is missing because UWSGI_BP_BUILD_USER or UWSGI_BP_DYNO_USER names one that
# does not exist, and root's useradd is a stand-in that refuses to create it.
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

# A user name that exists nowhere.
MISSING_USER=uwsgi-bp-no-such-user

# stand_ins: a directory first on PATH (for root's commands) with an apt-get
# that records what it is asked and a useradd that always fails; sets STUBS.
stand_ins() {
	STUBS="${OUTPUT_DIR}/stubs"
	mkdir -p "${STUBS}"
	cat >"${STUBS}/apt-get" <<'EOF'
#!/bin/sh
# A stand-in for apt-get: records its arguments; `install` puts a command of
# each package's name next to it.
dir=$(dirname "$0")
echo "apt-get $*" >>"${dir}/apt-get.log"
[ -z "${STUB_APT_STATUS:-}" ] || exit "${STUB_APT_STATUS}"
if [ "$1" = install ]; then
	for arg in "$@"; do
		case ${arg} in
		install | -*) ;;
		*) printf '#!/bin/sh\nexit 0\n' >"${dir}/${arg}" && chmod +x "${dir}/${arg}" ;;
		esac
	done
fi
exit 0
EOF
	cat >"${STUBS}/useradd" <<'EOF'
#!/bin/sh
echo "useradd $*" >>"$(dirname "$0")/useradd.log"
echo "useradd: refusing to create a user (a test's stand-in)" >&2
exit 9
EOF
	chmod +x "${STUBS}/apt-get" "${STUBS}/useradd"
}

# run_tool CMD [ARG...]: run CMD (with stand-ins first on PATH), its output,
# stdout and stderr together, in TOOL_OUT, its status in TOOL_STATUS. A tool
# that went on past its set-up would be stopped after two minutes.
run_tool() {
	TOOL_OUT="${OUTPUT_DIR}/tool.out"
	PATH="${STUBS}:${PATH}" timeout 120 "$@" >"${TOOL_OUT}" 2>&1 </dev/null
	TOOL_STATUS=$?
}

# assertSaysWhy WHO NEEDLE: the last run_tool failed, and its last line is
# WHO's own line saying why (holding NEEDLE).
assertSaysWhy() {
	last=$(tail -n 1 "${TOOL_OUT}")
	assertNotEquals "$1 failed (output: $(tr '\n' '|' <"${TOOL_OUT}"))" 0 "${TOOL_STATUS}"
	assertContains "$1's last line says why" "$1: " "${last}"
	assertContains "$1's last line says why" "$2" "${last}"
}

# as_someone_else CMD...: run CMD as an unprivileged user (the dyno user when
# root, else this one).
as_someone_else() {
	if [ "$(id -u)" -eq 0 ]; then
		"${AS_USER}" dyno "$@"
	else
		"$@"
	fi
}

testPrerequisitesNamesTheCommandToRunWhenNotRoot() {
	stand_ins
	TOOL_OUT="${OUTPUT_DIR}/tool.out"
	as_someone_else env UWSGI_BP_MISSING_PACKAGES="patchelf wrk" \
		"${TOOLS}/prerequisites" --for test/tools/dyno benchmark >"${TOOL_OUT}" 2>&1
	TOOL_STATUS=$?
	assertEquals "exit status" 1 "${TOOL_STATUS}"
	assertEquals "one line" 1 "$(wc -l <"${TOOL_OUT}")"
	assertEquals "the line" \
		"test/tools/dyno: missing Debian packages; install them with: sudo apt-get update && sudo apt-get install -y --no-install-recommends patchelf wrk" \
		"$(cat "${TOOL_OUT}")"
}

testPrerequisitesAsRootSaysWhatApt_getDidNotInstall() {
	[ "$(id -u)" -eq 0 ] || return 0 # not root: never installs (see above)
	stand_ins
	UWSGI_BP_MISSING_PACKAGES=patchelf run_tool "${TOOLS}/prerequisites" --for test/run build
	assertSaysWhy test/run "still missing after apt-get install: patchelf (is the tool on PATH?)"
	assertFileContains "installs what is missing" "apt-get install -y -q --no-install-recommends patchelf" "${STUBS}/apt-get.log"
	assertFileContains "says what it installs" "test/run: installing the Debian packages it needs: patchelf" "${TOOL_OUT}"
}

testPrerequisitesAsRootSaysWhenApt_getFails() {
	[ "$(id -u)" -eq 0 ] || return 0
	stand_ins
	STUB_APT_STATUS=100 UWSGI_BP_MISSING_PACKAGES=patchelf run_tool "${TOOLS}/prerequisites" --for test/run build
	assertSaysWhy test/run "apt-get update failed (exit 100); install the packages by hand: apt-get install -y --no-install-recommends patchelf"
}

# Every tool that needs Debian packages stops at the first missing one with a
# line of its own name saying which, before doing anything else.
testEveryToolSaysWhichPackageIsMissing() {
	stand_ins
	app="${FIXTURES}/wsgi-app"
	for tool in "dyno build ${app} ${OUTPUT_DIR}/slug" "dyno up ${app}" benchmark benchmark-workers \
		benchmark-locks benchmark-burst; do
		: >"${STUBS}/apt-get.log"
		# shellcheck disable=SC2086 # the tool's name and arguments
		UWSGI_BP_MISSING_PACKAGES=patchelf run_tool "${TOOLS}"/${tool}
		name="test/tools/${tool%% *}"
		if [ "$(id -u)" -eq 0 ]; then
			assertSaysWhy "${name}" "still missing after apt-get install: patchelf"
		else
			assertSaysWhy "${name}" "missing Debian packages; install them with: sudo apt-get update && sudo apt-get install -y --no-install-recommends patchelf"
		fi
		assertFalse "${tool}: no slug" "[ -e '${OUTPUT_DIR}/slug' ]"
	done
	# make-runtime-mirror (Python) finds its tools on PATH itself.
	mkdir -p "${OUTPUT_DIR}/bin"
	ln -s "$(python3 -c 'import sys; print(sys.executable)')" "${OUTPUT_DIR}/bin/python3"
	TOOL_OUT="${OUTPUT_DIR}/tool.out"
	PATH="${OUTPUT_DIR}/bin" "${TOOLS}/make-runtime-mirror" "${OUTPUT_DIR}/mirror" >"${TOOL_OUT}" 2>&1
	TOOL_STATUS=$?
	assertSaysWhy make-runtime-mirror "error: 'patchelf' not found on PATH; install it (e.g. apt-get install patchelf)"
}

# Run by root, the tools make the tests' users when they are missing (as
# test/tools/prerequisites users does); when that fails, they say so.
testEveryToolSaysWhichUserItCouldNotCreate() {
	if [ "$(id -u)" -ne 0 ]; then
		# Not root: there are no other users; everything runs as this one.
		assertEquals "as-user runs as this user" "$(id -un)" "$(UWSGI_BP_BUILD_USER=${MISSING_USER} "${AS_USER}" build id -un)"
		return 0
	fi
	stand_ins
	app="${FIXTURES}/wsgi-app"
	mkdir -p "${OUTPUT_DIR}/a-slug"
	echo "web: true" >"${OUTPUT_DIR}/a-slug/Procfile"
	for kind in BUILD DYNO; do
		for tool in "as-user build true" "as-user dyno true" "as-user own build ${OUTPUT_DIR}/a-slug" \
			"prerequisites users" "dyno build ${app} ${OUTPUT_DIR}/slug" "dyno up ${app}" \
			"dyno run ${OUTPUT_DIR}/a-slug" benchmark benchmark-workers benchmark-locks benchmark-burst; do
			case "${kind} ${tool}" in
			"BUILD as-user dyno"* | "DYNO as-user build"* | "DYNO as-user own"* | "BUILD dyno run"*) continue ;;
			esac
			: >"${STUBS}/useradd.log"
			# shellcheck disable=SC2086 # the tool's name and arguments
			env "UWSGI_BP_${kind}_USER=${MISSING_USER}" PATH="${STUBS}:${PATH}" timeout 120 \
				"${TOOLS}"/${tool} >"${OUTPUT_DIR}/tool.out" 2>&1 </dev/null
			TOOL_STATUS=$?
			TOOL_OUT="${OUTPUT_DIR}/tool.out"
			name="test/tools/${tool%% *}"
			[ "${tool}" != "prerequisites users" ] || name=prerequisites
			assertSaysWhy "${name}" "could not create the user ${MISSING_USER}: useradd exited with 9; create it by hand: useradd --system"
			assertFileContains "${tool}: tried to create ${MISSING_USER}" "${MISSING_USER}" "${STUBS}/useradd.log"
			assertFalse "${tool}: no slug" "[ -e '${OUTPUT_DIR}/slug' ]"
		done
	done
	assertFalse "no such user" "id -u ${MISSING_USER} >/dev/null 2>&1"
}

# dyno build, run by root on a checkout the build user cannot read (a clone in
# root's own home): the build runs a copy of the buildpack.
testDynoBuildsFromACopyWhenTheBuildUserCannotReadTheBuildpack() {
	[ "$(id -u)" -eq 0 ] || return 0
	closed="${OUTPUT_DIR}/closed"
	mkdir -m 700 "${closed}"
	"${TOOLS}/copy-buildpack" "${BUILDPACK_HOME}" "${closed}/bp"
	use_fixture wsgi-app
	echo "3.12" >"${BUILD_DIR}/.python-version"
	warm_suite_cache
	build_user_owns "${TEST_SUITE_CACHE}"
	TOOL_OUT="${OUTPUT_DIR}/tool.out"
	"${closed}/bp/test/tools/dyno" build "${BUILD_DIR}" "${OUTPUT_DIR}/slug" --cache "${TEST_SUITE_CACHE}" >"${TOOL_OUT}" 2>&1
	TOOL_STATUS=$?
	assertEquals "dyno build (output: $(tail -n 20 "${TOOL_OUT}" | tr '\n' '|'))" 0 "${TOOL_STATUS}"
	assertFileContains "says why" "dyno: ${closed}/bp: the build user cannot read it; building with a copy of it" "${TOOL_OUT}"
	assertTrue "the slug" "[ -x '${OUTPUT_DIR}/slug/.heroku/python/bin/uwsgi' ]"
	assertEquals "the checkout is as it was" "700" "$(stat -c %a "${closed}")"
}

testCopyBuildpackSaysWhy() {
	TOOL_OUT="${OUTPUT_DIR}/tool.out"
	STUBS="${OUTPUT_DIR}"
	run_tool "${TOOLS}/copy-buildpack" "${BUILDPACK_HOME}" "${OUTPUT_DIR}"
	assertSaysWhy copy-buildpack "${OUTPUT_DIR} already exists"
	run_tool "${TOOLS}/copy-buildpack" "${OUTPUT_DIR}" "${OUTPUT_DIR}/copy"
	assertSaysWhy copy-buildpack "${OUTPUT_DIR} is not the buildpack (no bin/compile and lib/)"
	run_tool "${TOOLS}/copy-buildpack" "${BUILDPACK_HOME}" "${OUTPUT_DIR}/copy"
	assertEquals "a copy" 0 "${TOOL_STATUS}"
	assertTrue "bin/compile" "[ -x '${OUTPUT_DIR}/copy/bin/compile' ]"
	assertFalse "no .git" "[ -e '${OUTPUT_DIR}/copy/.git' ]"
}
