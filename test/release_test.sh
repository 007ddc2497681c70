#!/bin/sh
# bin/release: the default web process, the same command as the default Procfile.
# shellcheck source=testrunner/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"

testReleaseDeclaresTheUwsgiWebProcess() {
	release
	assertCapturedSuccess
	assertCaptured "default_process_types:"
	assertCaptured "  web: uwsgi uwsgi.ini"
}
