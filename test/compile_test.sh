#!/bin/sh
# bin/compile: build real apps with real CPython runtimes, a real uWSGI compile
# and real packages from the index, then serve them from a moved slug.
# shellcheck source=testrunner/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=helpers.sh
. "${BUILDPACK_HOME}/test/helpers.sh"

oneTimeSetUp() {
	start_suite
	# Some tests run bin/compile with TEST_SUITE_CACHE themselves: seed it at setUp.
	SEED_EVERY_TEST=yes
	PY312=$(mirror_version_of 3.12)
	PY313=$(mirror_version_of 3.13)
}

oneTimeTearDown() {
	end_suite
}

uwsgi_md5() {
	md5sum "$1/.heroku/python/bin/uwsgi" | cut -d' ' -f1
}

testSeedAppBuildsWithAnEmptyCacheAndServesFromAMovedSlug() {
	use_fixture seed-app
	echo "3.12" >"${BUILD_DIR}/.python-version"
	compile
	assertBuilt
	assertCaptured "Using Python ${PY312} (from .python-version: 3.12)"
	assertCaptured "uWSGI 2.0.31: compiling (nothing cached yet)"
	assertNotCaptured "Collecting uwsgi"
	assertNotCaptured "Building wheel for uwsgi"
	# Fetched and compiled without pip's build environment (package_index).
	assertCaptured "uwsgi-2.0.31.tar.gz from "
	assertCaptured ", sha256 checked, built with uwsgiconfig.py)"
	assertCaptured "Using the app's own uwsgi.ini"
	assertCaptured "-----> Done in"
	move_slug
	assertFalse "the build dir is gone" "[ -e '${BUILD_DIR}' ]"
	assertServes "${PY312}" /
	assertFileContains "the werkzeug test page" "WSGI Information" "${BODY_FILE}"
}

testWsgiPyAppIsServedThroughTheDefaultConfig() {
	use_fixture wsgi-app
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	# The newest Python: the suite's cache was seeded with it, as a first
	# build that named no version would have left it (the cached minor is kept).
	assertCaptured "Using Python ${PY313} (no .python-version, runtime.txt or Pipfile.lock version; "
	assertCaptured " !     Warning: No Python version was specified."
	assertCaptured "Wrote a default uwsgi.ini serving wsgi:application (wsgi.py defines \`application\`)"
	assertCaptured "Wrote a default Procfile: web: uwsgi uwsgi.ini"
	assertFileContains "web: uwsgi uwsgi.ini" "${BUILD_DIR}/Procfile"
	assertFileContains "die-on-term = true" "${BUILD_DIR}/uwsgi.ini"
	assertFileContains "http-socket = :\$(PORT)" "${BUILD_DIR}/uwsgi.ini"
	move_slug
	assertServes "Hello from wsgi.py on Python ${PY313}" /
	assertFileContains "workers from WEB_CONCURRENCY" "spawned uWSGI worker 2" "${DYNO_LOG}"
}

testWebConcurrencyConfigVarSetsTheProcessCount() {
	use_fixture wsgi-app
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	move_slug
	assertServes "Hello from wsgi.py" / WEB_CONCURRENCY=1
	assertFileContains "spawned uWSGI worker 1" "${DYNO_LOG}"
	assertFileNotContains "spawned uWSGI worker 2" "${DYNO_LOG}"
}

testUwsgiModuleConfigVarPicksTheApp() {
	use_fixture wsgi-app
	echo "werkzeug.testapp:test_app" >"${ENV_DIR}/UWSGI_MODULE"
	echo "werkzeug==3.1.9" >>"${BUILD_DIR}/requirements.txt"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "serving werkzeug.testapp:test_app (from the UWSGI_MODULE config var)"
	move_slug
	assertServes "WSGI Information" / UWSGI_MODULE=werkzeug.testapp:test_app
}

testAppWithoutEntryPointGetsTheSeedAppAndAWarning() {
	echo "six==1.16.0" >"${BUILD_DIR}/requirements.txt"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured " !     Warning: No WSGI app found; serving werkzeug's test app."
	assertCaptured "heroku config:set UWSGI_MODULE="
	move_slug
	assertServes "WSGI Information" /
}

testWarmRebuildReusesTheIdenticalUwsgiBinary() {
	use_fixture wsgi-app
	echo "3.13" >"${BUILD_DIR}/.python-version"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	first=$(uwsgi_md5 "${BUILD_DIR}")
	rm -rf "${BUILD_DIR}" && mkdir -p "${BUILD_DIR}"
	use_fixture wsgi-app
	echo "3.13" >"${BUILD_DIR}/.python-version"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "uWSGI 2.0.31: reusing cached binary"
	assertNotCaptured "compiling"
	assertCaptured "Python and installed packages: reusing cache"
	assertEquals "the same uwsgi binary" "${first}" "$(uwsgi_md5 "${BUILD_DIR}")"
}

testPythonMinorChangeRecompilesAndSaysWhy() {
	use_fixture wsgi-app
	echo "3.13" >"${BUILD_DIR}/.python-version"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	rm -rf "${BUILD_DIR}" && mkdir -p "${BUILD_DIR}"
	use_fixture wsgi-app
	echo "3.12" >"${BUILD_DIR}/.python-version"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "uWSGI 2.0.31: compiling (Python ${PY313%.*} -> ${PY312%.*})"
	assertCaptured "Python and installed packages: discarding cache (Python ${PY313} -> ${PY312})"
	move_slug
	assertServes "on Python ${PY312}" /
}

# The mirror holds one patch release per minor version, so an older patch build
# is represented by the cache an earlier build of it would have left: same
# entries, with the metadata naming the older patch. A patch release keeps
# the installed packages and uWSGI's binary (CPython's ABI is stable within a
# minor version): no pip, no compiler, and the slug serves on the new Python.
testPythonPatchChangeKeepsPackagesAndUwsgiAndSaysWhy() {
	use_fixture wsgi-app
	echo "3.12" >"${BUILD_DIR}/.python-version"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	first=$(uwsgi_md5 "${BUILD_DIR}")
	older="${PY312%.*}.0"
	for entry in uwsgi python; do
		meta="${TEST_SUITE_CACHE}/uwsgi-buildpack/${entry}/metadata.json"
		sed -i "s/\"python\": \"${PY312}\"/\"python\": \"${older}\"/" "${meta}"
		assertFileContains "\"python\": \"${older}\"" "${meta}"
	done
	rm -rf "${BUILD_DIR}" && mkdir -p "${BUILD_DIR}"
	use_fixture wsgi-app
	echo "3.12" >"${BUILD_DIR}/.python-version"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Python ${older} -> ${PY312}: a patch release of the same minor version; keeping the installed packages"
	assertCaptured "Installing Python ${PY312} from"
	assertCaptured "uWSGI 2.0.31: reusing cached binary"
	assertCaptured "Built with Python ${older}; CPython keeps its ABI within ${PY312%.*}, so it runs on ${PY312} as is"
	assertCaptured "Installed packages: reusing cache, pip not run"
	assertNotCaptured "compiling"
	assertNotCaptured "Looking in indexes"
	assertCaptured "Python and installed packages: cache saved"
	assertEquals "the same uwsgi binary" "${first}" "$(uwsgi_md5 "${BUILD_DIR}")"
	assertFileContains "the cache now names the new patch release" "\"python\": \"${PY312}\"" \
		"${TEST_SUITE_CACHE}/uwsgi-buildpack/python/metadata.json"
	move_slug
	# The kept packages and their console scripts work on the new runtime.
	lib="${SLUG_DIR}/.heroku/python/lib"
	assertEquals "six kept" "1.16.0" \
		"$(env -i LD_LIBRARY_PATH="${lib}" "${SLUG_DIR}/.heroku/python/bin/python3" -c 'import six; print(six.__version__)' 2>&1)"
	assertContains "pip kept" "(python 3.12)" \
		"$(env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH="${lib}" "${SLUG_DIR}/.heroku/python/bin/pip" --version 2>&1)"
	assertServes "on Python ${PY312}" /
	# The next build reuses everything.
	rm -rf "${BUILD_DIR}" && mkdir -p "${BUILD_DIR}"
	use_fixture wsgi-app
	echo "3.12" >"${BUILD_DIR}/.python-version"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Python and installed packages: reusing cache"
	assertCaptured "Python and installed packages: cache unchanged"
}

testAppPinnedUwsgiVersionWins() {
	use_fixture wsgi-app
	echo "3.12" >"${BUILD_DIR}/.python-version"
	echo "uWSGI==2.0.30" >>"${BUILD_DIR}/requirements.txt"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Using uWSGI 2.0.30, as pinned in requirements.txt"
	assertCaptured "uWSGI 2.0.30: compiling (uWSGI 2.0.31 -> 2.0.30)"
	assertNotCaptured "Collecting uwsgi"
	assertNotCaptured "Building wheel for uwsgi"
	move_slug
	assertEquals "2.0.30" "$("${SLUG_DIR}/.heroku/python/bin/uwsgi" --version)"
}

# The default uwsgi.ini needs only the python plugin; an app's own uwsgi.ini
# that uses another of the default profile's plugins gets the full set.
testOwnUwsgiIniUsingAPluginOutsideTheReducedSetGetsIt() {
	use_fixture seed-app
	echo "3.12" >"${BUILD_DIR}/.python-version"
	# `redirect` is a routing action of the router_redirect plugin.
	printf 'route-uri = ^/old$ redirect:/new\n' >>"${BUILD_DIR}/uwsgi.ini"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "uWSGI 2.0.31: compiling (uWSGI plugins reduced -> full)"
	assertCaptured "Plugins: full set, all of the default profile's plugins: uwsgi.ini, line 8: 'route-uri' may need a plugin outside the python plugin"
	move_slug
	# shellcheck disable=SC2016 # expanded by the dyno's shell
	with_dyno 'curl -sS -o /dev/null -w "%{http_code} %{redirect_url}" http://127.0.0.1:5000/old >"$OUT/redirect"'
	assertEquals "the redirect plugin answers" "302 http://127.0.0.1:5000/new" "$(cat "${OUTPUT_DIR}/redirect")"
	assertServes "WSGI Information" /
	assertTrue "the full set has the gevent plugin's options" \
		"LD_LIBRARY_PATH='${SLUG_DIR}/.heroku/python/lib' '${SLUG_DIR}/.heroku/python/bin/uwsgi' --help | grep -q -- '--gevent '"
}

testSlugIsRelocatableAndSetsTheRuntimeEnvironment() {
	use_fixture wsgi-app
	echo "3.12" >"${BUILD_DIR}/.python-version"
	# Earlier builds of the suite left an export file: this build must write its own.
	rm -f "${BUILDPACK_HOME}/export"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	built_at="${BUILD_DIR}"
	assertTrue "export file for later buildpacks" "[ -f '${BUILDPACK_HOME}/export' ]"
	# A later buildpack sources it and runs the app's Python, not the machine's.
	# shellcheck disable=SC2016 # expanded by the inner sh
	assertEquals "export puts the app's Python first on PATH" \
		"${built_at}/.heroku/python/bin/python3 ok" \
		"$(env -i PATH=/usr/bin:/bin sh -c '. "$1" && printf "%s " "$(command -v python3)" && python3 -c "print(\"ok\")"' sh "${BUILDPACK_HOME}/export" 2>&1)"
	move_slug
	assertEquals "no script in the slug's bin/ names the build dir" "" \
		"$(grep -rlI "${built_at}" "${SLUG_DIR}/.heroku/python/bin" || true)"
	# A 512 MB dyno (cgroup v2): two processes, one per 256 MB.
	cgroup="${OUTPUT_DIR}/cgroup"
	mkdir -p "${cgroup}"
	echo 536870912 >"${cgroup}/memory.max"
	# shellcheck disable=SC2016 # expanded by the dyno's shell
	out=$(env -i HOME="${SLUG_DIR}" PATH=/usr/bin:/bin BP_UWSGI_CGROUP_ROOT="${cgroup}" bash -c '
		cd "$HOME" && for f in .profile.d/*.sh; do . "$f"; done
		# As uWSGI will see them: exported to the processes the dyno starts.
		echo "concurrency=$(printenv WEB_CONCURRENCY) unbuffered=$(printenv PYTHONUNBUFFERED) lang=$(printenv LANG)"
		pip --version
		python -c "import sys; print(\"prefix\", sys.prefix)"
	' 2>&1)
	assertContains "concurrency=2 unbuffered=true lang=C.UTF-8" "${out}"
	assertContains "console script runs" "from ${SLUG_DIR}/.heroku/python/lib/python3.12/site-packages/pip" "${out}"
	assertContains "prefix ${SLUG_DIR}/.heroku/python" "${out}"
	assertEquals "uwsgi finds libpython without LD_LIBRARY_PATH" "2.0.31" \
		"$(env -i "${SLUG_DIR}/.heroku/python/bin/uwsgi" --version)"
}

testBuildWritesNothingOutsideBuildCacheAndTemp() {
	use_fixture wsgi-app
	echo "3.12" >"${BUILD_DIR}/.python-version"
	home="${OUTPUT_DIR}/home"
	mkdir -p "${home}"
	# pip runs `rustc --version` for its user agent; a rustup shim on the test
	# machine's PATH (Heroku's build images have none) would create ~/.rustup.
	path=$(echo "${PATH}" | tr ':' '\n' | grep -v -e '\.cargo' -e '\.rustup' | paste -sd: -)
	# Run from an empty working directory, and note the buildpack directory's
	# files: the build may write only its export file there (for later buildpacks).
	cwd="${OUTPUT_DIR}/cwd"
	mkdir -p "${cwd}"
	bp_before="${OUTPUT_DIR}/buildpack-before"
	find "${BUILDPACK_HOME}" ! -path "${BUILDPACK_HOME}/export" | sort >"${bp_before}"
	touch "${OUTPUT_DIR}/started"
	sleep 1
	capture env -C "${cwd}" HOME="${home}" PATH="${path}" "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${TEST_SUITE_CACHE}" "${ENV_DIR}"
	assertBuilt
	assertEquals "HOME untouched" "" "$(ls -A "${home}")"
	assertEquals "working directory untouched" "" "$(ls -A "${cwd}")"
	assertEquals "no file added to or removed from the buildpack directory" "" \
		"$(find "${BUILDPACK_HOME}" ! -path "${BUILDPACK_HOME}/export" | sort | diff "${bp_before}" - | grep '^[<>]')"
	assertEquals "no file of the buildpack directory changed" "" \
		"$(find "${BUILDPACK_HOME}" -newer "${OUTPUT_DIR}/started" ! -path "${BUILDPACK_HOME}/export" ! -path "${BUILDPACK_HOME}")"
}

testInvalidPythonVersionFailsWithAnErrorBlock() {
	use_fixture wsgi-app
	printf '3.12.x\n' >"${BUILD_DIR}/.python-version"
	compile
	assertCapturedError 1 " !     Error: Invalid Python version in .python-version."
	assertCaptured ".python-version, line 1, is not a Python version:"
	assertNotCaptured "Traceback"
}

testUnsupportedStackFails() {
	use_fixture wsgi-app
	capture env STACK=cedar-14 "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
	assertCapturedError 1 "The stack 'cedar-14' is not supported."
}
