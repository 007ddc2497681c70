#!/bin/sh
# Dependencies the pip-tools way: exact environments, requirements.in locking,
# hash-checking, private indexes from config vars, projects without requirement
# files, editable installs, bin/report and Heroku CI's bin/test-compile + bin/test.
# Real packages from the index, real pip, real pip-tools.
# shellcheck source=testrunner/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=helpers.sh
. "${BUILDPACK_HOME}/test/helpers.sh"

oneTimeSetUp() {
	start_suite
	# Some tests run bin/compile with TEST_SUITE_CACHE themselves: seed it at setUp.
	SEED_EVERY_TEST=yes
}

oneTimeTearDown() {
	end_suite
}

SIX_WHEEL_SHA=8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254
SIX_SDIST_SHA=1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926

site_packages() {
	echo "$1/.heroku/python/lib/python3.12/site-packages"
}

# installed_version DIR PROJECT: the version of an installed distribution, or "absent".
installed_version() {
	found=$(find "$(site_packages "$1")" -maxdepth 1 -iname "$2-*.dist-info" | head -n 1)
	if [ -z "${found}" ]; then
		echo absent
	else
		basename "${found}" .dist-info | sed 's/^[^-]*-//'
	fi
}

# assertBuildpackToolsKept: uWSGI and pip, installed by the buildpack itself,
# are still in the build's Python after a pip-sync.
assertBuildpackToolsKept() {
	assertEquals "uwsgi kept" "2.0.31" "$("${BUILD_DIR}/.heroku/python/bin/uwsgi" --version 2>&1)"
	assertEquals "pip kept" "present" "$([ -d "$(site_packages "${BUILD_DIR}")/pip" ] && echo present)"
}

app_with_requirements() {
	rm -rf "${BUILD_DIR}"
	mkdir -p "${BUILD_DIR}"
	echo "3.12" >"${BUILD_DIR}/.python-version"
	printf '%s\n' "$@" >"${BUILD_DIR}/requirements.txt"
}

testRemovedPackageIsGoneAndChangedPinIsAppliedOnACachedBuild() {
	cache="${TEST_SUITE_CACHE}"
	app_with_requirements werkzeug==3.1.9 six==1.16.0 idna==3.7
	compile_with_cache "${cache}"
	assertBuilt
	assertEquals "six installed" "1.16.0" "$(installed_version "${BUILD_DIR}" six)"
	assertEquals "idna 3.7" "3.7" "$(installed_version "${BUILD_DIR}" idna)"

	app_with_requirements werkzeug==3.1.9 idna==3.10
	compile_with_cache "${cache}"
	assertBuilt
	assertCaptured "Python and installed packages: reusing cache"
	assertCaptured "Installed packages: syncing (requirements.txt changed)"
	assertCaptured "Uninstalling six-1.16.0"
	assertNotCaptured "Collecting werkzeug"
	assertEquals "six removed" "absent" "$(installed_version "${BUILD_DIR}" six)"
	assertEquals "idna 3.10" "3.10" "$(installed_version "${BUILD_DIR}" idna)"
	assertEquals "werkzeug kept" "3.1.9" "$(installed_version "${BUILD_DIR}" werkzeug)"
	# The buildpack's own tools survive the sync, and pip-tools never enters the app.
	assertBuildpackToolsKept
	assertEquals "no pip-tools in the app" "absent" "$(installed_version "${BUILD_DIR}" pip_tools)"
	assertEquals "no click in the app" "absent" "$(installed_version "${BUILD_DIR}" click)"
	move_slug
	# Build-only files stay out of the slug (the cache keeps them); pip stays usable.
	assertFalse "no C headers in the slug" "[ -e '${SLUG_DIR}/.heroku/python/include' ]"
	assertTrue "the cache keeps them" "[ -d '${cache}/uwsgi-buildpack/python/data/include' ]"
	pip_says=$(LD_LIBRARY_PATH="${SLUG_DIR}/.heroku/python/lib" "${SLUG_DIR}/.heroku/python/bin/pip" --version 2>&1)
	assertEquals "pip runs in the slug (${pip_says})" "pip" "${pip_says%% *}"
	assertEquals "in the slug, six cannot be imported" "ModuleNotFoundError" \
		"$(LD_LIBRARY_PATH="${SLUG_DIR}/.heroku/python/lib" "${SLUG_DIR}/.heroku/python/bin/python3" -c 'import six' 2>&1 | sed -n 's/^\(ModuleNotFoundError\).*/\1/p')"
}

testCacheFromAnEarlierBuildpackWithWheelOriginsKeepsPipAndUwsgi() {
	cache="${OUTPUT_DIR}/old-cache"
	fresh_cache "${cache}"
	app_with_requirements werkzeug==3.1.9
	compile_with_cache "${cache}"
	assertBuilt
	# Earlier versions left pip's direct_url.json ("installed from a wheel file")
	# in the cached Python for pip and uWSGI, which pip-sync reads as requirements
	# other than the lock's and uninstalls.
	data="${cache}/uwsgi-buildpack/python/data/lib/python3.12/site-packages"
	for info in "${data}"/pip-*.dist-info "${data}"/uwsgi-*.dist-info; do
		printf '{"url": "file:///tmp/x/%s.whl", "archive_info": {}}\n' "$(basename "${info}")" \
			>"${info}/direct_url.json"
	done
	assertEquals "two records planted" "2" "$(find "${data}" -name direct_url.json | wc -l | tr -d ' ')"

	app_with_requirements werkzeug==3.1.9 six==1.16.0
	compile_with_cache "${cache}"
	assertBuilt
	assertCaptured "Installed packages: syncing (requirements.txt changed)"
	assertNotCaptured "Uninstalling pip"
	assertNotCaptured "Uninstalling uWSGI"
	assertEquals "six installed" "1.16.0" "$(installed_version "${BUILD_DIR}" six)"
	assertBuildpackToolsKept
}

testWarmRebuildWithUnchangedRequirementsRunsNoPip() {
	cache="${OUTPUT_DIR}/warm-cache"
	fresh_cache "${cache}"
	# pip appends to PIP_LOG on every run: an unchanged file proves pip never ran.
	echo "${OUTPUT_DIR}/pip.log" >"${ENV_DIR}/PIP_LOG"
	app_with_requirements werkzeug==3.1.9
	compile_with_cache "${cache}"
	assertBuilt
	assertTrue "pip ran in the first build" "[ -s '${OUTPUT_DIR}/pip.log' ]"
	size=$(wc -c <"${OUTPUT_DIR}/pip.log")
	app_with_requirements werkzeug==3.1.9
	compile_with_cache "${cache}"
	assertBuilt
	assertCaptured "Installed packages: reusing cache, pip not run (requirements.txt, uWSGI, PIP_* settings and buildpack unchanged)"
	assertCaptured "Python and installed packages: cache unchanged"
	assertCaptured "Step timings: startup"
	assertEquals "pip did not run in the warm build" "${size}" "$(wc -c <"${OUTPUT_DIR}/pip.log")"
	rm -f "${ENV_DIR}/PIP_LOG"
	# An included file is an input too.
	app_with_requirements werkzeug==3.1.9 "-r extra.txt"
	echo "six==1.16.0" >"${BUILD_DIR}/extra.txt"
	compile_with_cache "${cache}"
	assertBuilt
	assertCaptured "Installed packages: syncing (requirements.txt changed, PIP_* settings changed)"
	assertEquals "six from the included file" "1.16.0" "$(installed_version "${BUILD_DIR}" six)"
}

testRequirementsInAloneIsLockedServedAndTheLockReused() {
	use_fixture requirements-in-app
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "-----> Installing dependencies from requirements.in"
	assertCaptured "Locking requirements.in with pip-compile"
	assertCaptured "requirements.in is not locked."
	assertCaptured "pip-compile requirements.in"
	assertFileContains "the lock is left in the slug" "werkzeug==3.1.9" "${BUILD_DIR}/requirements.txt"
	assertFileContains "with werkzeug's dependency" "markupsafe==" "${BUILD_DIR}/requirements.txt"
	move_slug
	assertServes "locked werkzeug 3.1.9" /

	use_fixture requirements-in-app
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Installed packages: reusing cache, pip not run (requirements.in"
	assertCaptured "requirements.in is not locked."
	assertFileContains "the lock is in the slug again" "werkzeug==3.1.9" "${BUILD_DIR}/requirements.txt"
}

testOutdatedRequirementsTxtIsReportedAgainstRequirementsIn() {
	app_with_requirements werkzeug==3.1.9 markupsafe==3.0.2
	printf 'werkzeug>=3.1\nsix\nmarkupsafe<3\n' >"${BUILD_DIR}/requirements.in"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Warning: requirements.txt is out of date with requirements.in."
	assertCaptured "requirements.in line 2: six is not pinned in requirements.txt"
	assertCaptured "requirements.in line 3: markupsafe<3 but requirements.txt pins markupsafe==3.0.2"
	assertNotCaptured "requirements.in line 1"
	assertEquals "requirements.txt is what gets installed" "absent" "$(installed_version "${BUILD_DIR}" six)"
}

testWrongHashFailsNamingThePackageAndRightHashInstalls() {
	app_with_requirements "six==1.16.0 --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError "A package in requirements.txt does not match its --hash."
	assertCaptured "  six==1.16.0"
	assertNotCaptured "Traceback"

	app_with_requirements "six==1.16.0 --hash=sha256:${SIX_WHEEL_SHA} --hash=sha256:${SIX_SDIST_SHA}"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "requirements.txt pins hashes: installing in pip's hash-checking mode"
	assertEquals "six installed" "1.16.0" "$(installed_version "${BUILD_DIR}" six)"
}

testPrivateIndexFromConfigVarsReachesPipAndIsNeverPrinted() {
	"${TOOLS}/private-index" --port-file "${OUTPUT_DIR}/index.port" --user deploy --password s3cr3t-t0ken \
		>"${OUTPUT_DIR}/index.log" 2>&1 &
	index_pid=$!
	wait_for_file "${OUTPUT_DIR}/index.port"
	url="http://deploy:s3cr3t-t0ken@127.0.0.1:$(cat "${OUTPUT_DIR}/index.port")/simple/"
	printf '%s' "${url}" >"${ENV_DIR}/PIP_EXTRA_INDEX_URL"
	app_with_requirements werkzeug==3.1.9 bp-private-greeting==1.0
	compile_with_cache "${TEST_SUITE_CACHE}"
	kill "${index_pid}" 2>/dev/null
	assertBuilt
	assertEquals "installed from the private index" "1.0" "$(installed_version "${BUILD_DIR}" bp_private_greeting)"
	assertFileContains "pip fetched the wheel with the credentials" "GET /files/bp_private_greeting-1.0-py3-none-any.whl 200" "${OUTPUT_DIR}/index.log"
	assertNotCaptured "s3cr3t-t0ken"
	assertNotCaptured "${url}"
	# The cached lock is there and pins the private package (else the grep
	# below, which fails on a missing directory too, would prove nothing).
	assertTrue "the cached lock pins the private package" \
		"grep -rqs '^bp-private-greeting==1.0' '${TEST_SUITE_CACHE}/uwsgi-buildpack/lock/data'"
	assertFalse "the lock holds no index URL" "grep -rqs s3cr3t-t0ken '${TEST_SUITE_CACHE}/uwsgi-buildpack/lock'"
}

testPyprojectOnlyAppIsInstalledAndServesFromAMovedSlug() {
	use_fixture pyproject-app
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "-----> Installing dependencies from pyproject.toml"
	assertCaptured "Installed the project itself (pip install .)"
	assertEquals "the project is installed" "1.0.0" "$(installed_version "${BUILD_DIR}" hello)"
	move_slug
	assertServes "hello from an installed project" /
}

testRequirementsWrittenByPreCompileAreInstalledAndTheLogSaysSo() {
	# An app that writes its requirements.txt in bin/pre_compile (from a
	# template, a monorepo's shared list, ...): the decision made before the
	# download saw no requirements; the one made after the hook installs them.
	app_with_requirements werkzeug==3.1.9
	mv "${BUILD_DIR}/requirements.txt" "${BUILD_DIR}/requirements.template"
	cp "${FIXTURES}/wsgi-app/wsgi.py" "${BUILD_DIR}/"
	mkdir -p "${BUILD_DIR}/bin"
	printf '#!/bin/sh\nset -e\n{ cat requirements.template; echo six==1.16.0; } >requirements.txt\n' \
		>"${BUILD_DIR}/bin/pre_compile"
	chmod +x "${BUILD_DIR}/bin/pre_compile"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "-----> Running bin/pre_compile"
	assertCaptured "-----> Installing dependencies from requirements.txt (decided again: bin/pre_compile ran)"
	assertEquals "six from the hook's requirements.txt" "1.16.0" "$(installed_version "${BUILD_DIR}" six)"
	assertBuildpackToolsKept
}

testEditableAppServesFromAMovedSlugAfterAWarmRebuild() {
	cache="${OUTPUT_DIR}/editable-cache"
	fresh_cache "${cache}"
	use_fixture editable-app
	compile_with_cache "${cache}"
	assertBuilt
	# pip's records of the editable install exist (the grep below would also
	# "pass" on files that are not there) and still find the project.
	assertTrue "editable install records" "ls $(site_packages "${BUILD_DIR}")/__editable__*greeting* >/dev/null 2>&1"
	assertFalse "no build-dir path left in site-packages" \
		"grep -rqsF '${BUILD_DIR}' $(site_packages "${BUILD_DIR}")/*.pth $(site_packages "${BUILD_DIR}")/__editable__*"
	rm -rf "${BUILD_DIR}"
	mkdir -p "${BUILD_DIR}"
	use_fixture editable-app
	compile_with_cache "${cache}"
	assertBuilt
	assertCaptured "Installed packages: reusing cache, pip not run"
	move_slug
	assertServes "hello from an editable install" /
}

testReportPrintsBuildMetadataAsYaml() {
	app_with_requirements werkzeug==3.1.9
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	capture "${BUILDPACK_HOME}/bin/report" "${BUILD_DIR}" "${TEST_SUITE_CACHE}" "${ENV_DIR}"
	assertCapturedSuccess
	assertCaptured 'outcome: "success"'
	assertCaptured "python_version: \"$(mirror_version_of 3.12)\""
	assertCaptured 'python_version_origin: ".python-version"'
	assertCaptured 'uwsgi_version: "2.0.31"'
	assertCaptured '  python: "reused ('
	assertCaptured "step_seconds:"
	assertCaptured "  dependencies: "

	app_with_requirements werkzeug==3.1.9
	echo "3.7" >"${BUILD_DIR}/.python-version"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertEquals 1 "${RETURN}"
	capture "${BUILDPACK_HOME}/bin/report" "${BUILD_DIR}" "${TEST_SUITE_CACHE}" "${ENV_DIR}"
	assertCapturedSuccess
	assertCaptured 'outcome: "failure"'
	assertCaptured 'failure: "Python 3.7 is end-of-life and not supported."'
}

testHerokuCiInstallsTestRequirementsAndRunsPytest() {
	use_fixture ci-app
	capture "${BUILDPACK_HOME}/bin/test-compile" "${BUILD_DIR}" "${TEST_SUITE_CACHE}" "${ENV_DIR}"
	assertBuilt
	assertEquals "pytest installed for CI" "8.3.4" "$(installed_version "${BUILD_DIR}" pytest)"
	capture "${BUILDPACK_HOME}/bin/test" "${BUILD_DIR}" "${ENV_DIR}"
	assertCapturedSuccess
	assertCaptured "2 passed"
	echo 1 >"${ENV_DIR}/CI_APP_FAIL"
	capture "${BUILDPACK_HOME}/bin/test" "${BUILD_DIR}" "${ENV_DIR}"
	assertEquals "a failing test fails bin/test" 1 "${RETURN}"
	assertCaptured "1 failed, 1 passed"
	rm -f "${ENV_DIR}/CI_APP_FAIL"

	# A normal build of the same app leaves pytest out of the slug.
	rm -rf "${BUILD_DIR}"
	mkdir -p "${BUILD_DIR}"
	use_fixture ci-app
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertEquals "no pytest in the production slug" "absent" "$(installed_version "${BUILD_DIR}" pytest)"
}

# A requirements.txt of nothing but == pins (pip freeze's layout) is its own
# lock: installed as written, no pip-compile round, and still exact.
testFrozenRequirementsInstallWithoutPipCompileAndStayExact() {
	cache="${OUTPUT_DIR}/frozen-cache"
	fresh_cache "${cache}"
	app_with_requirements werkzeug==3.1.9 markupsafe==3.0.3 six==1.16.0
	compile_with_cache "${cache}"
	assertBuilt
	assertCaptured "requirements.txt pins all 3 packages with ==: installing exactly those (no pip-compile round; pip check confirms every dependency is pinned)"
	assertCaptured "pip check: every dependency of the pinned packages is installed"
	assertNotCaptured "Locking requirements.txt with pip-compile"
	assertEquals "six installed" "1.16.0" "$(installed_version "${BUILD_DIR}" six)"
	assertEquals "markupsafe installed" "3.0.3" "$(installed_version "${BUILD_DIR}" markupsafe)"

	app_with_requirements werkzeug==3.1.9 markupsafe==3.0.3
	compile_with_cache "${cache}"
	assertBuilt
	assertCaptured "Installed packages: syncing (requirements.txt changed)"
	assertCaptured "Uninstalling six-1.16.0"
	assertNotCaptured "Locking requirements.txt with pip-compile"
	assertEquals "six removed" "absent" "$(installed_version "${BUILD_DIR}" six)"
	assertBuildpackToolsKept
	move_slug
	assertEquals "werkzeug imports in the slug" "3.1.9" \
		"$(LD_LIBRARY_PATH="${SLUG_DIR}/.heroku/python/lib" "${SLUG_DIR}/.heroku/python/bin/python3" -c 'import importlib.metadata as m, werkzeug.utils; print(m.version("werkzeug"))')"
}

# Pinned, but not every dependency: pip check finds it, and the build
# resolves the file with pip-compile as it does any other.
testFrozenRequirementsMissingADependencyAreResolvedWithPipCompile() {
	cache="${OUTPUT_DIR}/missing-cache"
	fresh_cache "${cache}"
	app_with_requirements werkzeug==3.1.9
	compile_with_cache "${cache}"
	assertBuilt
	assertCaptured "requirements.txt does not pin markupsafe (required by werkzeug 3.1.9): resolving it with pip-compile"
	assertCaptured "Locking requirements.txt with pip-compile"
	assertNotEquals "markupsafe installed" "absent" "$(installed_version "${BUILD_DIR}" markupsafe)"
	move_slug
	assertEquals "werkzeug runs in the slug" "ok" \
		"$(LD_LIBRARY_PATH="${SLUG_DIR}/.heroku/python/lib" "${SLUG_DIR}/.heroku/python/bin/python3" -c 'import werkzeug.utils, markupsafe; print("ok")')"
}

# Pinned versions that do not fit together fail the build with what pip check said.
testFrozenRequirementsThatConflictFailNamingTheConflict() {
	app_with_requirements requests==2.32.3 urllib3==1.21 idna==3.10 charset-normalizer==3.4.0 certifi==2024.8.30
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError "The versions pinned in requirements.txt do not work together."
	assertCaptured "requests 2.32.3 has requirement urllib3"
	assertCaptured "but you have urllib3 1.21"
	assertNotCaptured "Traceback"
	assertEquals "" "$(cat "${STD_ERR}")"
	capture "${BUILDPACK_HOME}/bin/report" "${BUILD_DIR}" "${TEST_SUITE_CACHE}" "${ENV_DIR}"
	assertCaptured 'failure_reason: "requirements::pins-conflict"'
}
