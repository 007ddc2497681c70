#!/bin/sh
# Nothing is lost when a build is killed while uWSGI compiles: the compile,
# its precompiled headers, and the same with pip building the wheel. A build
# killed (SIGKILL) at each of these moments leaves a cache that the next build
# uses: it compiles again (nothing half-made is reused) and leaves no temporary
# files. The other moments of a build are in interrupted_builds_test.sh.
# shellcheck source=testrunner/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=helpers.sh
. "${BUILDPACK_HOME}/test/helpers.sh"
# shellcheck source=kills.sh
. "${BUILDPACK_HOME}/test/kills.sh"

oneTimeSetUp() {
	start_suite
	start_kills
}

oneTimeTearDown() {
	end_kills
	end_suite
}

testKilledWhileCompilingUwsgi() {
	PHASE_KILLS=0
	# The first kill and its next build with pip building the wheel: a pip
	# setting that package_index leaves to pip (trusted-host) makes both go
	# through `pip wheel`, whose isolated build environment is then what the
	# kill leaves behind.
	forget uwsgi
	echo "127.0.0.1" >"${ENV_DIR}/PIP_TRUSTED_HOST"
	kill_build_at 3.12 "Compiling on" 2
	assertCaptured "the build after the kill used pip wheel" \
		"(built by pip wheel: pip is configured with trusted-host)"
	rm -f "${ENV_DIR}/PIP_TRUSTED_HOST"
	forget uwsgi
	kill_build_at 3.12 "Compiling on" 15
	forget uwsgi
	kill_build_at 3.12 "Compiled uWSGI" 0
	assertLanded "compiling uWSGI"
}

# The compile's precompiled headers (bin/support/uwsgi-cc): written under the
# builds' TMPDIR by the compiler, moved into place whole.
testKilledWhileWritingThePrecompiledHeaders() {
	PHASE_KILLS=0
	forget uwsgi
	kill_build_at 3.12 "file:uwsgi.h.gch-tmp" 0
	assertCaptured "the build after the kill compiled the sdist it fetched itself" \
		", sha256 checked, built with uwsgiconfig.py)"
	forget uwsgi
	kill_build_at 3.12 "file:uwsgi.h.gch" 0
	forget uwsgi
	kill_build_at 3.12 "file:uwsgi_python.h.gch-tmp" 0.2
	assertLanded "writing the precompiled headers"
}

# The fetch of uWSGI's sdist when the build compiles it itself (package_index):
# the archive is written into the compile's temporary directory, under the
# builds' TMPDIR. (Packing the wheel, the step after the compile, is not
# killed here: a kill there needs two full compiles, and the wheel is only a
# file in the same temporary directory until cache.CacheEntry.store_file
# copies it in whole, which the `Compiled uWSGI` kill follows.)
testKilledWhileFetchingTheSdist() {
	PHASE_KILLS=0
	forget uwsgi
	kill_build_at 3.12 "file:uwsgi-2.0.31.tar.gz" 0
	assertLanded "fetching uWSGI's sdist"
}
