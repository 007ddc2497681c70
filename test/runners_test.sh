#!/bin/sh
# The suites work wherever a runner puts the buildpack. Each test runs a small
# suite of the same kind (a build as the build user, the `export` it writes)
# with shunit2, as heroku-buildpack-testrunner's bin/run does, on a copy of
# the buildpack placed where the builds cannot use it as it is, from a working
# directory only root may enter (as that runner's): the helpers give the build
# user a copy it can use (test/helpers.sh, use_reachable_buildpack).
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

# add_inner_suite BUILDPACK: put the inner suite into the buildpack copy BUILDPACK.
add_inner_suite() {
	cat >"$1/test/placement_test.sh" <<'EOF'
#!/bin/sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
. "${BUILDPACK_HOME}/test/helpers.sh"
oneTimeSetUp() { start_suite; }
oneTimeTearDown() { end_suite; }
TESTBuildsAndWritesTheExportFile() {
	use_fixture wsgi-app
	echo "3.12" >"${BUILD_DIR}/.python-version"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertTrue "the export file" "[ -f '${BUILDPACK_HOME}/export' ]"
	assertTrue "uWSGI" "[ -x '${BUILD_DIR}/.heroku/python/bin/uwsgi' ]"
}
EOF
	# (Named TEST... above, so that shunit2 does not take it for one of this
	# suite's tests.)
	sed -i 's/^TEST/test/' "$1/test/placement_test.sh"
}

# run_inner_suite BUILDPACK: run the inner suite on BUILDPACK (it sources
# BUILDPACK's helpers) from a 0700 working directory, with this suite's seed
# caches; its output goes to INNER_OUT, its status to INNER_STATUS.
run_inner_suite() {
	mkdir -m 700 "${OUTPUT_DIR}/cwd"
	INNER_OUT="${OUTPUT_DIR}/inner.out"
	# Its own shunit2 output stays out of this suite's (a test runner counts
	# those lines), unless it fails.
	(
		cd "${OUTPUT_DIR}/cwd" &&
			env -u SHUNIT_TEST_PREFIX SHUNIT_COLOR=none BUILDPACK_HOME="$1" UWSGI_BP_SEED_DIR="${SEED_ROOT}" \
				"${SHUNIT_HOME}/src/shunit2" "$1/test/placement_test.sh"
	) >"${INNER_OUT}" 2>&1
	INNER_STATUS=$?
	assertEquals "the inner suite passed (its output: $(tr '\n' '|' <"${INNER_OUT}"))" 0 "${INNER_STATUS}"
	assertFileContains "it ran its test" "Ran 1 test." "${INNER_OUT}"
}

# A copy in a directory only root may enter, as heroku-buildpack-testrunner's
# `mktemp -d /tmp/bp_mirror.XXXX`.
testSuiteRunsOnABuildpackInADirectoryOnlyRootMayEnter() {
	mkdir -m 700 "${OUTPUT_DIR}/bp_mirror"
	"${TOOLS}/copy-buildpack" "${BUILDPACK_HOME}" "${OUTPUT_DIR}/bp_mirror/bp"
	add_inner_suite "${OUTPUT_DIR}/bp_mirror/bp"
	run_inner_suite "${OUTPUT_DIR}/bp_mirror/bp"
	if [ "$(id -u)" -eq 0 ]; then
		assertFileContains "the builds used a copy" \
			"cannot enter ${OUTPUT_DIR}/bp_mirror (drwx------ root); the suite builds from a copy: " "${INNER_OUT}"
	fi
}

# A read-only checkout: the build cannot write its `export` there.
testSuiteRunsOnAReadOnlyBuildpack() {
	"${TOOLS}/copy-buildpack" "${BUILDPACK_HOME}" "${OUTPUT_DIR}/bp"
	add_inner_suite "${OUTPUT_DIR}/bp"
	chmod -R a-w "${OUTPUT_DIR}/bp"
	run_inner_suite "${OUTPUT_DIR}/bp"
	assertFileContains "the builds used a copy" "cannot use BUILDPACK_HOME=${OUTPUT_DIR}/bp; the suite builds from a copy: " "${INNER_OUT}"
	assertFalse "the checkout is as it was" "[ -e '${OUTPUT_DIR}/bp/export' ]"
	chmod -R u+w "${OUTPUT_DIR}/bp"
}

# A path with a space, which capture (as the testrunner's) would split.
testSuiteRunsOnABuildpackWhosePathHasASpace() {
	mkdir "${OUTPUT_DIR}/a checkout"
	"${TOOLS}/copy-buildpack" "${BUILDPACK_HOME}" "${OUTPUT_DIR}/a checkout/bp"
	add_inner_suite "${OUTPUT_DIR}/a checkout/bp"
	run_inner_suite "${OUTPUT_DIR}/a checkout/bp"
	assertFileContains "the builds used a copy" \
		"BUILDPACK_HOME=${OUTPUT_DIR}/a checkout/bp has a blank or pattern character, which capture would split; the suite builds from a copy: " "${INNER_OUT}"
}
