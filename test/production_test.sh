#!/bin/sh
# shellcheck disable=SC2016 # snippets are expanded by the dyno-side bash
# The default uwsgi.ini in production conditions: Django, Flask and plain WSGI
# apps without config, static files served by uWSGI, chunked uploads, request
# logs, the stats server, and the build-time check of an app's own uwsgi.ini.
# The dyno's life (harakiri, crashed workers, a dyno-wide SIGTERM, sizing and
# the listen backlog) is in dyno_lifecycle_test.sh.
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

testDjangoProjectIsServedWithItsStaticFiles() {
	build_fixture django-app
	assertCaptured "Collecting Django static files"
	assertCaptured "Wrote a default uwsgi.ini serving mysite.wsgi:application (Django project: manage.py sets DJANGO_SETTINGS_MODULE=mysite.settings, whose WSGI_APPLICATION is mysite.wsgi.application)"
	assertCaptured "Static files: /static/ served by uWSGI from staticfiles/ (Django STATIC_ROOT of mysite/settings.py)"
	assertTrue "collected into the slug" "[ -f '${BUILD_DIR}/staticfiles/django-site.css' ]"
	move_slug
	with_dyno '
		curl -fsS -o "$OUT/page" http://127.0.0.1:5000/ &&
		curl -fsS -D "$OUT/headers" -o "$OUT/css" http://127.0.0.1:5000/static/django-site.css'
	assertEquals "requests succeeded" 0 $?
	assertFileContains "Hello from Django on Python 3.12" "${OUTPUT_DIR}/page"
	assertFileContains "color: green" "${OUTPUT_DIR}/css"
	assertFileContains "Expires:" "${OUTPUT_DIR}/headers"
}

testFlaskAppStaticFilesAreServedByUwsgiNotTheApp() {
	build_fixture flask-app
	assertCaptured "Wrote a default uwsgi.ini serving app:app (app.py defines \`app\`)"
	assertCaptured "Static files: /static/ served by uWSGI from static/ (Flask static/ folder next to app.py)"
	move_slug
	with_dyno '
		curl -fsS -o "$OUT/page" http://127.0.0.1:5000/ &&
		curl -fsS -D "$OUT/headers" -o "$OUT/css" http://127.0.0.1:5000/static/site.css &&
		curl -fsS -D "$OUT/gz-headers" -o /dev/null -H "Accept-Encoding: gzip" \
			http://127.0.0.1:5000/static/big.css'
	assertEquals "requests succeeded" 0 $?
	assertFileContains "Hello from Flask on Python 3.12" "${OUTPUT_DIR}/page"
	assertFileContains "color: teal" "${OUTPUT_DIR}/css"
	# Flask's own static view answers with "Cache-Control: no-cache" and an ETag;
	# uWSGI's static-map answers with a far-future Expires and neither.
	assertFileContains "long-lived caching header" "Expires:" "${OUTPUT_DIR}/headers"
	assertFileNotContains "no-cache" "${OUTPUT_DIR}/headers"
	assertFileNotContains "ETag" "${OUTPUT_DIR}/headers"
	year=$(sed -n 's/^Expires: .* \([0-9][0-9][0-9][0-9]\) .*/\1/p' "${OUTPUT_DIR}/headers" | tr -d '\r')
	assertTrue "expires a year ahead (${year})" "[ '${year}' -gt '$(date +%Y)' ]"
	assertFileContains "precompressed .gz used" "Content-Encoding: gzip" "${OUTPUT_DIR}/gz-headers"
}

# An app with Python files of its own and nothing the build can serve fails,
# rather than ship werkzeug's demo page (which lists the app's paths and
# packages) to production.
testAppWithPythonFilesAndNoEntryPointFailsTheBuild() {
	use_fixture module-app
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError 1 " !     Error: No WSGI app found in your code."
	assertCaptured " !         heroku config:set UWSGI_MODULE=myapp.wsgi:application"
	assertCaptured " !       5. a top-level module or package binding \`app\` or \`application\`"
	assertNotCaptured "Traceback"
	assertNotCaptured "werkzeug"
}

# Common layouts, each with no UWSGI_MODULE, no uwsgi.ini and no Procfile.
testFlaskFactoryPackageIsServed() {
	build_fixture flask-factory-app
	assertCaptured "Wrote a default uwsgi.ini serving flaskr:create_app() (flaskr/__init__.py defines the factory \`create_app\`)"
	move_slug
	assertServes "Hello from the flaskr factory (default)" /
}

testFlaskAppConfigVarWithAFactoryCall() {
	use_fixture flask-factory-app
	echo "3.12" >"${BUILD_DIR}/.python-version"
	echo "flaskr:create_app('production')" >"${ENV_DIR}/FLASK_APP"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "serving flaskr:create_app('production') (the FLASK_APP config var: flaskr:create_app('production'))"
	move_slug
	assertServes "Hello from the flaskr factory (production)" /
}

testFlaskAppInFlaskenvNamingAnotherModule() {
	build_fixture flaskenv-app
	assertCaptured "serving microblog:app (FLASK_APP=microblog.py in .flaskenv, which defines \`app\`)"
	move_slug
	assertServes "Hello from microblog.py" /
}

testDjangoProjectFoundFromManagePyAlone() {
	build_fixture django-settings-app
	assertCaptured "serving server.wsgi:application (Django project: manage.py sets DJANGO_SETTINGS_MODULE=conf.settings, whose WSGI_APPLICATION is server.wsgi.application)"
	assertCaptured "Static files: /static/ served by uWSGI from staticfiles/ (Django STATIC_ROOT of conf/settings.py)"
	move_slug
	assertServes "Hello from Django with conf.settings" /
	assertServes "color: navy" /static/site.css
}

testFalconAppInADifferentlyNamedModule() {
	build_fixture falcon-app
	assertCaptured "serving things_api:app (things_api.py defines \`app = App(...)\`)"
	move_slug
	assertServes "Hello from Falcon in things_api.py" /
}

testUwsgiModuleAtBuildTimeIsTheDefault() {
	use_fixture module-app
	echo "service.server:api" >"${ENV_DIR}/UWSGI_MODULE"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "serving service.server:api (from the UWSGI_MODULE config var)"
	assertNotCaptured "No WSGI app found"
	move_slug
	assertServes "Hello from service.server" /
}

# Clients streaming an upload send Transfer-Encoding: chunked and no
# Content-Length; uWSGI's http-socket alone hands the app an empty body.
testChunkedUploadsReachTheAppWhole() {
	build_fixture flask-app
	move_slug
	head -c 1048576 /dev/urandom >"${OUTPUT_DIR}/1mb"
	head -c 20971520 /dev/urandom >"${OUTPUT_DIR}/20mb"
	head -c 5242880 /dev/urandom >"${OUTPUT_DIR}/5mb"
	with_dyno '
		post() { curl -fsS --max-time 60 --data-binary "@$OUT/$1" "${@:2}" http://127.0.0.1:5000/sha256; }
		post 1mb -H "Transfer-Encoding: chunked" >"$OUT/1mb.answer" &&
		post 20mb -H "Transfer-Encoding: chunked" >"$OUT/20mb.answer" &&
		post 5mb >"$OUT/5mb.answer"'
	assertEquals "requests succeeded" 0 $?
	for size in 1mb 20mb 5mb; do
		sent="$(sha256sum "${OUTPUT_DIR}/${size}" | cut -d" " -f1) $(wc -c <"${OUTPUT_DIR}/${size}")"
		assertEquals "${size}: what the app received" "${sent}" "$(cat "${OUTPUT_DIR}/${size}.answer")"
	done
	assertFileContains "de-chunked, up to 100 MB" "${DYNO_LOG}"
}

testChunkedUploadOverTheLimitOrMalformedIsRefusedWithoutTheApp() {
	build_fixture flask-app
	move_slug
	head -c 3145728 /dev/urandom >"${OUTPUT_DIR}/3mb"
	with_dyno '
		curl -sS --max-time 30 -o /dev/null -w "%{http_code}" -H "Transfer-Encoding: chunked" \
			--data-binary "@$OUT/3mb" http://127.0.0.1:5000/sha256 >"$OUT/over"
		# A chunk-size line that is not hexadecimal, sent in one piece: uWSGI
		# answers 400 as soon as it reads it, so a request written in several
		# pieces could meet a closed connection (SIGPIPE, or a reset that
		# discards the answer) instead of the answer.
		python3 -c "
import socket
with socket.create_connection((\"127.0.0.1\", 5000), timeout=10) as s:
    s.sendall(b\"POST /sha256 HTTP/1.1\\r\\nHost: app\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n5!\\r\\nhello\\r\\n0\\r\\n\\r\\n\")
    print(s.makefile(\"rb\").readline().decode().strip())
" >"$OUT/malformed"
		# Under the limit, the same dyno calls the app.
		head -c 1048576 "$OUT/3mb" | curl -fsS -o /dev/null -H "Transfer-Encoding: chunked" \
			--data-binary @- http://127.0.0.1:5000/sha256' CHUNKED_BODY_LIMIT_MB=2
	assertEquals "a body under the limit is served" 0 $?
	assertEquals "over the limit" "413" "$(cat "${OUTPUT_DIR}/over")"
	assertFileContains "malformed" "HTTP/1.1 400 Bad Request" "${OUTPUT_DIR}/malformed"
	assertFileContains "de-chunked, up to 2 MB" "${DYNO_LOG}"
	assertEquals "the app ran for the body under the limit only" \
		"upload received: 1048576 bytes" "$(grep "upload received" "${DYNO_LOG}")"
}

testRequestLogOnStdoutHasClientAddressAndRequestId() {
	build_fixture wsgi-app
	move_slug
	with_dyno '
		curl -fsS -o /dev/null -D "$OUT/headers" -H "X-Forwarded-For: 203.0.113.7" \
			-H "X-Request-Id: 5f1c0d8e-req" http://127.0.0.1:5000/'
	assertFileContains '203.0.113.7 "GET / HTTP/1.1" 200' "${DYNO_LOG}"
	# uWSGI closes the connection after each response, and says so.
	assertFileContains "Connection: close" "${OUTPUT_DIR}/headers"
	assertFileContains "request_id=5f1c0d8e-req" "${DYNO_LOG}"
}

# Heroku runs a dyno's processes as an unprivileged user, and their stdout is a
# pipe the platform made. uWSGI re-opening it by path (`logto = /dev/stdout`)
# fails there with "Permission denied" and the dyno never boots (H10).
testDefaultConfigBootsAsAnUnprivilegedUserOnAPipeItDoesNotOwn() {
	build_fixture wsgi-app
	move_slug
	# The slug, owned by the dyno's user, somewhere that user can reach (the
	# test's own directories are root's alone): /tmp, as on a dyno.
	dyno_root=$(mktemp -d /tmp/dyno-user.XXXXXX)
	chmod 755 "${dyno_root}"
	cp -a "${SLUG_DIR}" "${dyno_root}/app"
	chown -R "nobody:$(id -gn nobody)" "${dyno_root}/app"
	root_slug=${SLUG_DIR}
	SLUG_DIR=${dyno_root}/app
	DYNO_USER=nobody
	export DYNO_USER
	with_dyno '
		curl -fsS -o /dev/null -H "X-Request-Id: piped-req-17" http://127.0.0.1:5000/ &&
		ps -o user= -g "$DYNO_PGID" | sort -u >"$OUT/users"'
	status=$?
	unset DYNO_USER
	SLUG_DIR=${root_slug}
	rm -rf "${dyno_root}"
	assertEquals "the dyno booted and answered (log: $(tail -n 5 "${DYNO_LOG}" | tr '\n' '|'))" 0 "${status}"
	assertEquals "every process of the dyno ran as nobody" "nobody" "$(cat "${OUTPUT_DIR}/users")"
	assertFileContains "the request log reached the pipe" '"GET / HTTP/1.1" 200' "${DYNO_LOG}"
	assertFileContains "request_id=piped-req-17" "${DYNO_LOG}"
	assertFileNotContains "Permission denied" "${DYNO_LOG}"
}

testRequestWithBrowserSizedCookiesIsAnswered() {
	build_fixture wsgi-app
	move_slug
	# 7,000 bytes of cookies on one line: within the 8 KB per header line that
	# Heroku's router passes, above uWSGI's default 4 KB request buffer.
	with_dyno '
		cookie="session=$(head -c 3500 /dev/zero | tr "\0" s); _ga=$(head -c 3482 /dev/zero | tr "\0" g)"
		curl -sS -o "$OUT/body" -w "%{http_code}" -H "Cookie: ${cookie}" \
			http://127.0.0.1:5000/ >"$OUT/status"'
	assertEquals "200" "$(cat "${OUTPUT_DIR}/status")"
	assertFileNotContains "invalid request block size" "${DYNO_LOG}"
}

# UWSGI_STATS is decided once, at build time (stats.py): every value that starts
# the stats server also installs uwsgitop, and the other way round. These two
# used to do one without the other.
assertStatsServerAndUwsgitopFor() {
	use_fixture wsgi-app
	echo 3.12 >"${BUILD_DIR}/.python-version"
	printf '%s' "$1" >"${ENV_DIR}/UWSGI_STATS"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "UWSGI_STATS is set: uwsgitop is installed"
	move_slug
	assertTrue "uwsgitop installed" "[ -x '${SLUG_DIR}/.heroku/python/bin/uwsgitop' ]"
	# The master binds the stats socket as it enters its loop, which may be
	# a moment after the workers answer on $PORT: look until it is there.
	with_dyno '
		for _ in $(seq 1 50); do
			ss -ltn >"$OUT/listening"
			grep -q ":1717 " "$OUT/listening" && break
			sleep 0.1
		done
		python3 -c "
import json, socket
s = socket.create_connection((\"127.0.0.1\", 1717))
data = b\"\"
while chunk := s.recv(65536):
    data += chunk
print(\"stats workers:\", len(json.loads(data)[\"workers\"]))
" >"$OUT/stats"' "UWSGI_STATS=$1"
	assertFileContains "127.0.0.1:1717" "${OUTPUT_DIR}/listening"
	assertFileNotContains "0.0.0.0:1717" "${OUTPUT_DIR}/listening"
	assertFileNotContains "*:1717" "${OUTPUT_DIR}/listening"
	assertFileContains "stats workers:" "${OUTPUT_DIR}/stats"
}

testStatsServerListensOnLoopbackOnly() {
	assertStatsServerAndUwsgitopFor 1
}

testStatsLocalhostAddressInstallsUwsgitopAndStartsTheServer() {
	assertStatsServerAndUwsgitopFor localhost:1717
}

testStatsTrueInstallsUwsgitopAndStartsTheServer() {
	assertStatsServerAndUwsgitopFor TRUE
}

testOwnIniProblemsAreEachReportedByName() {
	use_fixture wsgi-app
	cat >"${BUILD_DIR}/uwsgi.ini" <<-'INI'
	[uwsgi]
	http-socket = :8000
	master = true
	module = wsgi:application
	spooler = %dtasks
	cron = 0 3 -1 -1 -1 /app/bin/cleanup
	stats = /tmp/stats.sock
	INI
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError 1 " !     Error: uwsgi.ini does not bind Heroku's \$PORT."
	assertCaptured "http-socket = :8000   (uwsgi.ini, line 2)"
	assertCaptured " !     Warning: uwsgi.ini does not make SIGTERM shut uWSGI down."
	assertCaptured " !     Warning: 'spooler' keeps tasks on the dyno's disk (uwsgi.ini, line 5)."
	assertCaptured " !     Warning: 'cron' schedules work inside the dyno (uwsgi.ini, line 6)."
	assertCaptured " !     Warning: 'stats' is on a unix socket (uwsgi.ini, line 7)."
	assertCaptured "Hint: uwsgi.ini sets no harakiri."
}

testMulesAndAttachedDaemonsRunAsTheGuideSays() {
	use_fixture seed-app
	cat >"${BUILD_DIR}/mule.py" <<-'PY'
	import time

	print("mule says hello", flush=True)
	while True:
	    time.sleep(60)
	PY
	cat >>"${BUILD_DIR}/uwsgi.ini" <<-'INI'
	harakiri = 20
	mule = mule.py
	attach-daemon = sh -c 'echo daemon says hello; exec sleep 600'
	INI
	echo 3.12 >"${BUILD_DIR}/.python-version"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	move_slug
	with_dyno 'sleep 2'
	assertFileContains "mule says hello" "${DYNO_LOG}"
	assertFileContains "daemon says hello" "${DYNO_LOG}"
	assertFileContains "spawned uWSGI mule 1" "${DYNO_LOG}"
}

# Framing uWSGI's http-socket parser lets through (proto/http.c merges
# repeated headers with ", ", keeps an obs-folded line's CR LF in the value,
# reads a Content-Length by its leading digits): answered 400 by the default
# config's wrapper, without calling the app. Raw requests, one per connection.
testAmbiguousRequestFramingIs400AndTheAppIsNotCalled() {
	build_fixture flask-app
	move_slug
	with_dyno '
		python3 -c "
import socket
cases = {
    \"cl+te\": b\"Content-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n5\\r\\nhello\\r\\n0\\r\\n\\r\\n\",
    \"plus\": b\"Content-Length: +5\\r\\n\\r\\nhello\",
    \"two-equal\": b\"Content-Length: 5\\r\\nContent-Length: 5\\r\\n\\r\\nhello\",
    \"chunked-identity\": b\"Transfer-Encoding: chunked, identity\\r\\n\\r\\n5\\r\\nhello\\r\\n0\\r\\n\\r\\n\",
    \"obs-fold\": b\"Transfer-Encoding: chunked\\r\\n identity\\r\\n\\r\\n5\\r\\nhello\\r\\n0\\r\\n\\r\\n\",
    \"nul\": b\"X-Name: a\\x00b\\r\\nContent-Length: 5\\r\\n\\r\\nhello\",
    \"plain\": b\"Content-Length: 5\\r\\n\\r\\nhello\",
}
for name, rest in cases.items():
    with socket.create_connection((\"127.0.0.1\", 5000), timeout=10) as s:
        s.sendall(b\"POST /sha256 HTTP/1.1\\r\\nHost: app\\r\\n\" + rest)
        print(name, s.makefile(\"rb\").readline().decode().strip())
" >"$OUT/framing"'
	assertEquals "the dyno answered" 0 $?
	for case in cl+te plus two-equal chunked-identity obs-fold nul; do
		assertFileContains "${case}" "${case} HTTP/1.1 400 Bad Request" "${OUTPUT_DIR}/framing"
	done
	assertFileContains "plain" "plain HTTP/1.1 200 OK" "${OUTPUT_DIR}/framing"
	assertEquals "the app ran for the plain request only" \
		"upload received: 5 bytes" "$(grep "upload received" "${DYNO_LOG}")"
}

# Boot-time config vars: a value that is not a number in range gives one boot
# line naming it, and the dyno serves with the computed default (was:
# WEB_CONCURRENCY=abc or 0 bound $PORT and never answered).
testBootTimeNumbersOfAnotherFormGiveOneLineAndTheDynoServes() {
	build_fixture wsgi-app
	move_slug
	for setting in WEB_CONCURRENCY=abc WEB_CONCURRENCY=0 UWSGI_THREADS=abc; do
		with_dyno 'curl -fsS -o /dev/null --max-time 10 http://127.0.0.1:5000/' "${setting}"
		assertEquals "${setting}: the dyno serves (log: $(tail -n 5 "${DYNO_LOG}" | tr '\n' '|'))" 0 $?
		assertFileContains "${setting}" "uwsgi-buildpack: ${setting%%=*}=\"${setting#*=}\" is not a whole number" "${DYNO_LOG}"
		assertEquals "${setting}: one line" 1 "$(grep -c "uwsgi-buildpack: ${setting%%=*}=" "${DYNO_LOG}")"
	done
	assertFileContains "x 4 threads" "${DYNO_LOG}"
	with_dyno 'true' CHUNKED_BODY_LIMIT_MB=0999
	assertFileContains "0999 is 999 MB" "de-chunked, up to 999 MB" "${DYNO_LOG}"
	assertFileNotContains "no bash error" "value too great" "${DYNO_LOG}"
	assertFileNotContains "no boot line" "uwsgi-buildpack: CHUNKED_BODY_LIMIT_MB" "${DYNO_LOG}"
}

# uWSGI expands @(exec://cmd) in option values: none of the buildpack's config
# vars reaches one. The control (UWSGI_ENV, which uWSGI reads as its `env`
# option by design) shows that the dyno's user can create the marker.
testExecExpansionInBootTimeConfigVarsRunsNothing() {
	build_fixture wsgi-app
	move_slug
	markers=$(mktemp -d "$(short_tmp)/exec-markers.XXXXXX")
	chmod 1777 "${markers}"
	with_dyno 'curl -fsS -o /dev/null --max-time 10 http://127.0.0.1:5000/' \
		"WEB_CONCURRENCY=@(exec://touch ${markers}/processes)" \
		"UWSGI_THREADS=@(exec://touch ${markers}/threads)" \
		"UWSGI_MODULE=wsgi:@(exec://touch ${markers}/module)"
	assertEquals "the dyno serves (log: $(tail -n 5 "${DYNO_LOG}" | tr '\n' '|'))" 0 $?
	assertEquals "no marker" "" "$(ls -A "${markers}")"
	for name in WEB_CONCURRENCY UWSGI_THREADS UWSGI_MODULE; do
		assertFileContains "uwsgi-buildpack: ${name}=\"" "${DYNO_LOG}"
	done
	assertFileContains "serving wsgi:application" "${DYNO_LOG}"
	with_dyno 'true' "UWSGI_ENV=BP_CONTROL=@(exec://touch ${markers}/control)"
	assertTrue "the control ran (uWSGI's own reading of UWSGI_ENV)" "[ -e '${markers}/control' ]"
	rm -rf "${markers}"
}
