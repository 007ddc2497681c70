#!/bin/sh
# shellcheck disable=SC2016 # snippets are expanded later
# Bad inputs: every one ends in exit 1, a " !     " error block on stdout that
# names the file (and line) and the fix, nothing on stderr and no traceback.
# shellcheck source=testrunner/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=helpers.sh
. "${BUILDPACK_HOME}/test/helpers.sh"

oneTimeSetUp() {
	start_suite
	PY312=$(mirror_version_of 3.12)
	ARCHIVE="python-${PY312}-ubuntu-24.04-amd64.tar.zst"
	EXTRA_PIDS=""
}

oneTimeTearDown() {
	for pid in ${EXTRA_PIDS}; do kill "${pid}" 2>/dev/null; done
	end_suite
}

# serve_dir DIR: serve DIR like the runtime mirror; sets DIR_URL.
serve_dir() {
	rm -f "$1.port"
	"${TOOLS}/serve-runtime-mirror" "$1" --port-file "$1.port" >/dev/null 2>&1 &
	EXTRA_PIDS="${EXTRA_PIDS} $!"
	tries=0
	while [ ! -s "$1.port" ] && [ "${tries}" -lt 100 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	DIR_URL="http://127.0.0.1:$(cat "$1.port")"
}

# failsWith MESSAGE...: the last compile failed cleanly with each MESSAGE on stdout.
failsWith() {
	assertCapturedError 1 " !     Error: $1"
	shift
	for message in "$@"; do
		assertCaptured "${message}"
	done
	assertNotCaptured "Traceback"
}

app_with_version_file() {
	echo "six==1.16.0" >"${BUILD_DIR}/requirements.txt"
	# shellcheck disable=SC2059 # the content is the format: it holds escapes
	printf "$2" >"${BUILD_DIR}/$1"
	compile
}

testPythonVersionGarbage() {
	app_with_version_file .python-version 'latest please\n'
	failsWith "Invalid Python version in .python-version." ".python-version, line 1, is not a Python version:" "latest please"
}

testPythonVersionTwoVersions() {
	app_with_version_file .python-version '3.12\n# comment\n3.13\n'
	failsWith "Multiple Python versions found in .python-version." "line 1: 3.12" "line 3: 3.13"
}

testPythonVersionEmpty() {
	app_with_version_file .python-version ''
	failsWith "No Python version found in .python-version."
}

testPythonVersionOnlyComments() {
	app_with_version_file .python-version '# 3.12\n\n'
	failsWith "No Python version found in .python-version." "without a '#' in front"
}

testPythonVersionWithBom() {
	app_with_version_file .python-version '\357\273\2773.12\n'
	failsWith "Unable to read .python-version." "byte-order mark"
}

testPythonVersionUtf16() {
	app_with_version_file .python-version '\377\3763\000.\0001\0002\000\n\000'
	failsWith "Unable to read .python-version." "UTF-16"
}

testPythonVersionEndOfLife() {
	for version in 3.8 3.9 2.7; do
		rm -rf "${BUILD_DIR:?}"/*
		app_with_version_file .python-version "${version}\n"
		failsWith "Python ${version} is end-of-life and not supported." "Upgrade the app to a supported Python"
	done
}

testPythonVersionThatDoesNotExist() {
	app_with_version_file .python-version '3.99\n'
	failsWith "Python 3.99 is not a supported version." "Supported versions are 3.10 to 3.14"
}

testPythonVersionTheSourceDoesNotHave() {
	app_with_version_file .python-version '3.12.99\n'
	failsWith "Python 3.12.99 is not available." "Available versions:" "${PY312}"
}

testMisspelledPythonVersionFile() {
	app_with_version_file .python_version '3.12\n'
	failsWith "Your .python-version file is spelled incorrectly." "    '.python_version'" \
		"named exactly" "'.python-version'" "git mv '.python_version' .python-version"
	assertNotCaptured "Using Python"
}

testPypyAndFreeThreadedPythonSayWhyTheyCannotWork() {
	app_with_version_file .python-version 'pypy3.10\n'
	failsWith ".python-version asks for PyPy, which is not supported." "Heroku publishes only CPython runtimes"
	rm -rf "${BUILD_DIR:?}"/*
	app_with_version_file .python-version '3.14t\n'
	failsWith ".python-version asks for a free-threaded Python, which is not supported." \
		"Heroku publishes no free-threaded runtime" "uWSGI does not support"
}

testRuntimeTxtGarbage() {
	for content in 'python3.12' '3.12'; do
		rm -rf "${BUILD_DIR:?}"/*
		app_with_version_file runtime.txt "${content}\n"
		failsWith "Invalid Python version in runtime.txt." "runtime.txt, line 1, reads:" "python-3.14.0"
	done
}

testVersionFilesThatDisagree() {
	printf 'python-%s\n' "${PY312}" >"${BUILD_DIR}/runtime.txt"
	app_with_version_file .python-version '3.13\n'
	failsWith "runtime.txt and .python-version disagree." "Delete runtime.txt"
}

testUnsupportedStack() {
	echo "six" >"${BUILD_DIR}/requirements.txt"
	capture env STACK=heroku-18 "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
	failsWith "The stack 'heroku-18' is not supported." "heroku stack:set heroku-24"
}

# The build image's python3 too old (a stack before heroku-22): the buildpack
# says so instead of failing on the helper's syntax.
testBuildImagePython3TooOld() {
	echo "six" >"${BUILD_DIR}/requirements.txt"
	fake_bin="${OUTPUT_DIR}/old-python"
	mkdir -p "${fake_bin}"
	cat >"${fake_bin}/python3" <<-'SH'
		#!/bin/sh
		# Python 3.8 answers the version check with nothing and status 0.
		exit 0
	SH
	chmod +x "${fake_bin}/python3"
	capture env PATH="${fake_bin}:${PATH}" "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
	failsWith "python3 3.10 or newer was not found." "${fake_bin}/python3" "heroku stack:set heroku-24"
}

testRuntimeSourceUnreachable() {
	echo "six" >"${BUILD_DIR}/requirements.txt"
	echo "http://127.0.0.1:9" >"${ENV_DIR}/PYTHON_RUNTIME_URL"
	compile
	failsWith "Unable to download the Python runtime." "Retrying SHA256SUMS in 1s" "Retrying SHA256SUMS in 2s" "after 4 attempts"
}

testRuntimeArchiveMissing() {
	empty="${OUTPUT_DIR}/empty-mirror"
	mkdir -p "${empty}"
	serve_dir "${empty}"
	echo "${DIR_URL}" >"${ENV_DIR}/PYTHON_RUNTIME_URL"
	echo "3.12.1" >"${BUILD_DIR}/.python-version"
	compile
	failsWith "The Python runtime archive was not found." "python-3.12.1-ubuntu-24.04-amd64.tar.zst does not exist"
}

testTamperedRuntimeArchiveIsRefused() {
	bad="${OUTPUT_DIR}/tampered-mirror"
	mkdir -p "${bad}"
	cp "${MIRROR_DIR}/SHA256SUMS" "${bad}/"
	cp "${MIRROR_DIR}/${ARCHIVE}" "${bad}/"
	printf 'x' | dd of="${bad}/${ARCHIVE}" bs=1 seek=1000 conv=notrunc 2>/dev/null
	serve_dir "${bad}"
	echo "${DIR_URL}" >"${ENV_DIR}/PYTHON_RUNTIME_URL"
	echo "3.12" >"${BUILD_DIR}/.python-version"
	compile
	failsWith "The Python runtime archive failed its checksum." "does not match the sha256 checksum listed in SHA256SUMS"
}

testTruncatedRuntimeArchiveWithoutChecksums() {
	bad="${OUTPUT_DIR}/truncated-mirror"
	mkdir -p "${bad}"
	head -c 3000000 "${MIRROR_DIR}/${ARCHIVE}" >"${bad}/${ARCHIVE}"
	serve_dir "${bad}"
	echo "${DIR_URL}" >"${ENV_DIR}/PYTHON_RUNTIME_URL"
	echo "${PY312}" >"${BUILD_DIR}/.python-version"
	compile
	failsWith "The Python runtime archive is damaged." "${ARCHIVE} could not be unpacked"
}

testRuntimeArchiveEscapingTheInstallDirIsRefused() {
	bad="${OUTPUT_DIR}/evil-mirror"
	mkdir -p "${bad}"
	# The build unpacks the archive two levels down in its own temporary
	# directory (<build tmp>/<download dir>/python), which it deletes when it
	# ends: so the build gets a TMPDIR of its own (short, like /tmp), and the
	# archive reaches up past the build's directory into it, and one more
	# level up, where an escaped file would survive the build.
	root=$(mktemp -d "$(short_tmp)/bp.XXXXXX")
	mkdir "${root}/t"
	build_user_owns "${root}"
	python3 -c '
import io, sys, tarfile
with tarfile.open(fileobj=sys.stdout.buffer, mode="w|") as tar:
    for name in ("bin/python3", "../../../escaped", "../../../../escaped"):
        info = tarfile.TarInfo(name)
        info.size = 3
        tar.addfile(info, io.BytesIO(b"hi\n"))
' | zstd -q -o "${bad}/python-3.12.0-ubuntu-24.04-amd64.tar.zst"
	(cd "${bad}" && sha256sum ./*.tar.zst | sed 's| \./| |' >SHA256SUMS)
	serve_dir "${bad}"
	echo "${DIR_URL}" >"${ENV_DIR}/PYTHON_RUNTIME_URL"
	echo "3.12" >"${BUILD_DIR}/.python-version"
	capture env TMPDIR="${root}/t" "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
	failsWith "The Python runtime archive is unsafe." "outside the install"
	assertEquals "nothing written outside (and the build's temporary files gone)" "t" \
		"$(find "${root}" -mindepth 1 | sed "s|^${root}/||" | tr '\n' ' ' | sed 's/ $//')"
	rm -rf "${root}"
}

testCommittedRuntimeDirectory() {
	echo "six" >"${BUILD_DIR}/requirements.txt"
	mkdir -p "${BUILD_DIR}/.heroku/python/bin"
	compile
	assertCapturedError 1 " !     Error: The app contains a '.heroku/python' directory."
	assertCaptured "git rm -r --cached .heroku/python"
}

testCommittedVirtualenv() {
	echo "six" >"${BUILD_DIR}/requirements.txt"
	mkdir -p "${BUILD_DIR}/venv/bin"
	echo "home = /Users/me/.pyenv/versions/3.12.1/bin" >"${BUILD_DIR}/venv/pyvenv.cfg"
	compile
	failsWith "The app contains a virtual environment: 'venv/'." "git rm -r --cached venv"
}

testUnreadableConfigVar() {
	echo "six" >"${BUILD_DIR}/requirements.txt"
	printf 'secret\377\376' >"${ENV_DIR}/MY_TOKEN"
	compile
	failsWith "The config var MY_TOKEN could not be read." "heroku config:set MY_TOKEN="
}

# Package managers: refused before anything is downloaded, so these take a
# fraction of a second each. A lock is never ignored.
testFilesOfTwoPackageManagers() {
	echo "six==1.16.0" >"${BUILD_DIR}/requirements.txt"
	echo 'version = 1' >"${BUILD_DIR}/uv.lock"
	compile
	failsWith "The app has the files of two package managers: pip and uv." \
		"requirements.txt  (pip)" "uv.lock  (uv)" \
		"if you use pip, delete uv.lock" "if you use uv, delete requirements.txt"
}

testPipfileWithoutItsLock() {
	printf '[packages]\nsix = "==1.16.0"\n' >"${BUILD_DIR}/Pipfile"
	compile
	failsWith "The app has a Pipfile but no Pipfile.lock." "    pipenv lock"
}

testPoetryProjectWithoutItsLock() {
	printf '[project]\nname = "app"\nversion = "0"\n\n[tool.poetry]\npackage-mode = false\n' \
		>"${BUILD_DIR}/pyproject.toml"
	compile
	failsWith "pyproject.toml uses Poetry, but the app has no poetry.lock." "    poetry lock"
}

testUvProjectWithoutItsLock() {
	printf '[project]\nname = "app"\nversion = "0"\n\n[tool.uv]\npackage = false\n' \
		>"${BUILD_DIR}/pyproject.toml"
	compile
	failsWith "pyproject.toml uses uv, but the app has no uv.lock." "    uv lock"
}

testPipfileLockThatIsNotJson() {
	printf '{\n  "default": {\n<<<<<<< HEAD\n' >"${BUILD_DIR}/Pipfile.lock"
	compile
	failsWith "Unable to read Pipfile.lock." "Pipfile.lock, line 3: " "    pipenv lock"
}

testUwsgiIniThatDoesNotParse() {
	use_fixture wsgi-app
	printf '[uwsgi]\nhttp-socket = :$(PORT)\nmaster true\n' >"${BUILD_DIR}/uwsgi.ini"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError 1 " !     Error: uwsgi.ini does not parse."
	assertCaptured "uwsgi.ini, line 3: expected 'option = value':"
	assertNotCaptured "Traceback"
}

testUnknownUwsgiVersionPinnedByTheApp() {
	use_fixture wsgi-app
	echo "uwsgi==2.0.999" >>"${BUILD_DIR}/requirements.txt"
	compile_with_cache "${TEST_SUITE_CACHE}"
	failsWith "uWSGI 2.0.999 does not exist." "requirements.txt pins uwsgi==2.0.999"
}

testRequirementThatDoesNotExist() {
	use_fixture wsgi-app
	echo "this-package-does-not-exist-uwsgi-bp==1.0" >>"${BUILD_DIR}/requirements.txt"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError 1 " !     Error: Unable to lock the requirements in requirements.txt."
	assertCaptured "this-package-does-not-exist-uwsgi-bp"
	assertNotCaptured "Traceback"
}

testMalformedRequirementLine() {
	use_fixture wsgi-app
	echo "six=>1.0" >>"${BUILD_DIR}/requirements.txt"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError 1 " !     Error: Unable to lock the requirements in requirements.txt."
	assertCaptured "six=>1.0"
	assertNotCaptured "Traceback"
}

testConflictingPins() {
	use_fixture wsgi-app
	printf 'six==1.16.0\nsix==1.15.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError 1 " !     Error: Unable to lock the requirements in requirements.txt."
	# pip's own words for the conflict, quoted in the error block.
	assertTrue "the conflict is named: $(grep -F 'Cannot install' "${STD_OUT}")" \
		"grep -Eq '^ !     .*Cannot install six==1\.1[56]\.0 and six==1\.1[56]\.0 because these package versions have conflicting dependencies' '${STD_OUT}'"
	assertNotCaptured "Traceback"
}

testPrivateIndexThatIsDown() {
	use_fixture wsgi-app
	echo "http://127.0.0.1:9/simple" >"${ENV_DIR}/PIP_INDEX_URL"
	echo "0" >"${ENV_DIR}/PIP_RETRIES"
	echo "/dev/null" >"${ENV_DIR}/PIP_CONFIG_FILE"
	echo "attrs==23.1.0" >>"${BUILD_DIR}/requirements.txt"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError 1 " !     Error: Unable to lock the requirements in requirements.txt."
	# The config var reached pip-compile: the index it names offered no
	# version at all (with the default index, the lock would have succeeded).
	assertTrue "pip found no version on the index: $(grep -F 'Could not find' "${STD_OUT}")" \
		"grep -Eq '^ !     .*Could not find a version that satisfies the requirement [a-z]+==[0-9.]+ \(from versions: none\)' '${STD_OUT}'"
	assertNotCaptured "the index URL, a config var's value, is not printed" "127.0.0.1:9"
	assertNotCaptured "Traceback"
}

testFailingPreCompileHookStopsTheBuild() {
	use_fixture wsgi-app
	mkdir -p "${BUILD_DIR}/bin"
	printf '#!/bin/sh\necho "checking secrets file"\necho "config/secrets.yml missing" >&2\nexit 3\n' \
		>"${BUILD_DIR}/bin/pre_compile"
	chmod +x "${BUILD_DIR}/bin/pre_compile"
	compile_with_cache "${TEST_SUITE_CACHE}"
	failsWith "bin/pre_compile failed (exit status 3)." "config/secrets.yml missing" "checking secrets file"
}

testPostCompileHookRunsInTheBuildDirWithTheAppsPython() {
	use_fixture wsgi-app
	mkdir -p "${BUILD_DIR}/bin"
	printf '#!/bin/sh\npwd >hook-ran-in\npython -c "import six, sys; print(sys.prefix)" >>hook-ran-in\n' \
		>"${BUILD_DIR}/bin/post_compile"
	chmod +x "${BUILD_DIR}/bin/post_compile"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "-----> Running bin/post_compile"
	assertEquals "$(printf '%s\n%s' "${BUILD_DIR}" "${BUILD_DIR}/.heroku/python")" "$(cat "${BUILD_DIR}/hook-ran-in")"
}

testCExtensionThatFailsToBuildShowsTheCompilersLastLines() {
	use_fixture wsgi-app
	mkdir -p "${BUILD_DIR}/brokenext"
	printf 'from setuptools import Extension, setup\nsetup(name="brokenext", version="1.0", ext_modules=[Extension("brokenext", ["brokenext.c"])])\n' \
		>"${BUILD_DIR}/brokenext/setup.py"
	printf '#include <Python.h>\nthis is not C;\n' >"${BUILD_DIR}/brokenext/brokenext.c"
	echo "./brokenext" >>"${BUILD_DIR}/requirements.txt"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError 1 " !     Error: Unable to install the packages in requirements.txt."
	assertCaptured "brokenext.c"
	assertCaptured "error:"
	assertNotCaptured "Traceback"
}

testUwsgiCompileFailureShowsTheCompilerLog() {
	use_fixture wsgi-app
	echo "-include /nonexistent/uwsgi-bp-missing.h" >"${ENV_DIR}/CFLAGS"
	compile
	failsWith "uWSGI 2.0.31 failed to compile." "The last lines of the compiler's output:" "uwsgi-bp-missing.h"
}

testBuildFailingWhileUwsgiCompilesLeavesNoTemporaryFiles() {
	# A cache without uWSGI (the seed's, less its uWSGI): uWSGI compiles in the
	# background while the requirements are locked; the lock fails, and the
	# build stops the compile mid-way.
	use_fixture wsgi-app
	echo "${SEED_PYTHON}" >"${BUILD_DIR}/.python-version"
	echo "this-package-does-not-exist-uwsgi-bp==1.0" >>"${BUILD_DIR}/requirements.txt"
	seed_cache "${CACHE_DIR}" "${SEED_PYTHON}"
	rm -rf "${CACHE_DIR}/uwsgi-buildpack/uwsgi"
	# A short TMPDIR of its own (under a deep one the build falls back to /tmp).
	build_tmp=$(mktemp -d "$(short_tmp)/bp.XXXXXX")
	build_user_owns "${build_tmp}"
	capture env TMPDIR="${build_tmp}" "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
	failsWith "Unable to lock the requirements in requirements.txt." "this-package-does-not-exist-uwsgi-bp"
	assertCaptured "uWSGI 2.0.31: compiling (nothing cached yet)"
	assertCaptured "Compiling on"
	assertNotCaptured "Compiled uWSGI"
	# pip's working directories and the half-compiled uWSGI go with the build.
	assertEquals "temporary files left by the failed build" "" "$(ls -A "${build_tmp}")"
	rm -rf "${build_tmp}"
}

testConfigVarValuesNeverReachTheLogOrTheSlug() {
	use_fixture wsgi-app
	echo "hunter2-very-secret" >"${ENV_DIR}/API_TOKEN"
	echo "http://deploy:hunter2-pip-secret@127.0.0.1:9/simple" >"${ENV_DIR}/PIP_EXTRA_INDEX_URL"
	echo "0" >"${ENV_DIR}/PIP_RETRIES"
	echo "1" >"${ENV_DIR}/PIP_TIMEOUT"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertNotCaptured "hunter2"
	assertEquals "no secret in the slug's generated files" "" \
		"$(grep -rl hunter2 "${BUILD_DIR}" "${BUILDPACK_HOME}/export" 2>/dev/null)"
	assertEquals "generated files are not world-writable" "" \
		"$(find "${BUILD_DIR}/uwsgi.ini" "${BUILD_DIR}/Procfile" "${BUILD_DIR}/.profile.d" "${BUILD_DIR}/.heroku" -perm -o+w ! -type l)"
}

testWarningsAreListedByCodeInBinReport() {
	# A warning is data too: bin/report lists its stable code, as it gives a
	# failure's as failure_reason.
	use_fixture requirements-in-app
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured " !     Warning: requirements.in is not locked."
	capture "${BUILDPACK_HOME}/bin/report" "${BUILD_DIR}" "${TEST_SUITE_CACHE}" "${ENV_DIR}"
	assertCapturedSuccess
	assertCaptured 'outcome: "success"'
	assertCaptured 'warnings:'
	assertCaptured '  - "requirements::not-locked"'
}

# Config vars and app files that are hostile or a paste accident: refused
# before anything is downloaded, run or written.
testUwsgiModuleWithANewlineFailsTheBuildNamingItAndRunsNothing() {
	use_fixture wsgi-app
	marker="${OUTPUT_DIR}/attach-daemon-ran"
	printf 'wsgi:application\nattach-daemon = touch %s' "${marker}" >"${ENV_DIR}/UWSGI_MODULE"
	mkdir -p "${BUILD_DIR}/bin"
	printf '#!/bin/sh\ntouch "%s/pre-compile-ran"\n' "${OUTPUT_DIR}" >"${BUILD_DIR}/bin/pre_compile"
	chmod +x "${BUILD_DIR}/bin/pre_compile"
	before=$(cd "${BUILD_DIR}" && find . | sort)
	compile
	failsWith "The config var UWSGI_MODULE is not a WSGI entry point." \
		"UWSGI_MODULE must be a WSGI entry point: module:callable" \
		"heroku config:set UWSGI_MODULE=myapp.wsgi:application"
	assertEquals "stderr" "" "$(cat "${STD_ERR}")"
	assertEquals "nothing written into the app" "${before}" "$(cd "${BUILD_DIR}" && find . | sort)"
	assertFalse "the hook did not run" "[ -e '${OUTPUT_DIR}/pre-compile-ran' ]"
	assertFalse "nothing ran" "[ -e '${marker}' ]"
}

testFlaskAppInFlaskenvOfAnotherFormFailsTheBuildNamingTheFile() {
	use_fixture wsgi-app
	printf 'FLASK_APP=wsgi:$(HOME)\n' >"${BUILD_DIR}/.flaskenv"
	compile
	failsWith "FLASK_APP in .flaskenv is not a WSGI entry point." "Correct that line of .flaskenv"
	assertFalse "no uwsgi.ini" "[ -e '${BUILD_DIR}/uwsgi.ini' ]"
}

testFifoDotenvEndsTheBuildAtOnceNamingIt() {
	use_fixture wsgi-app
	mkfifo "${BUILD_DIR}/.env"
	started=$(date +%s)
	compile
	elapsed=$(($(date +%s) - started))
	failsWith "The app's .env is not a regular file." ".env is a named pipe (FIFO)."
	# Was: the build waited for a writer for ever.
	assertTrue "the build ended within 10 s (${elapsed} s)" "[ ${elapsed} -lt 10 ]"
}

testDotFlaskenvLinkedToDevZeroIsRefusedWithoutReadingIt() {
	use_fixture wsgi-app
	ln -s /dev/zero "${BUILD_DIR}/.flaskenv"
	compile
	failsWith "The app's .flaskenv is not a regular file." ".flaskenv is a character device."
}

testRequirementsFileThatIsAFifoIsRefusedNamingIt() {
	mkfifo "${BUILD_DIR}/requirements.txt"
	compile
	failsWith "The app's requirements.txt is not a regular file."
}
