#!/bin/sh
# shellcheck disable=SC2016 # snippets are expanded by the dyno-side bash
# Apps as their frameworks' docs write them, with no uwsgi.ini of ours: an ASGI
# app (FastAPI) refused at build time without a Procfile and served by its own
# server with one, Dash served through its `server`, Django moving from the
# official buildpack with `web: gunicorn`, and the boot-time check of what the
# default config's WSGI wrapper loads. The apps install the real packages,
# pinned, from the package index at their build.
# shellcheck source=testrunner/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=helpers.sh
. "${BUILDPACK_HOME}/test/helpers.sh"

FASTAPI=fastapi==0.165.0
UVICORN=uvicorn==0.55.0
DASH=dash==2.18.2
GUNICORN=gunicorn==27.0.1

oneTimeSetUp() {
	start_suite
}

oneTimeTearDown() {
	end_suite
}

# fastapi_app REQUIREMENT...: BUILD_DIR becomes FastAPI's first-steps app
# (main.py, `app = FastAPI()`, a JSON route), on Python 3.12.
fastapi_app() {
	echo "3.12" >"${BUILD_DIR}/.python-version"
	printf '%s\n' "$@" >"${BUILD_DIR}/requirements.txt"
	cat >"${BUILD_DIR}/main.py" <<-'PY'
	from fastapi import FastAPI

	app = FastAPI()


	@app.get("/items/{item_id}")
	def read_item(item_id: int, q: str | None = None):
	    return {"item_id": item_id, "q": q}
	PY
}

testFastApiWithoutAProcfileFailsTheBuildWithTheAsgiMessage() {
	fastapi_app "${FASTAPI}"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError 1 " !     Error: main:app is an ASGI app, which uWSGI cannot serve."
	assertCaptured "(main.py defines \`app\`, made by FastAPI(...))."
	assertCaptured "uWSGI serves WSGI apps only"
	assertCaptured " !         web: uvicorn main:app --host 0.0.0.0 --port \$PORT"
	assertNotCaptured "Wrote a default uwsgi.ini"
	assertNotCaptured "Traceback"
	capture "${BUILDPACK_HOME}/bin/report" "${BUILD_DIR}" "${TEST_SUITE_CACHE}" "${ENV_DIR}"
	assertCaptured 'failure_reason: "entrypoint::asgi"'
}

testFastApiUnderUvicornFromTheProcfileIsServed() {
	fastapi_app "${FASTAPI}" "${UVICORN}"
	echo 'web: uvicorn main:app --host 0.0.0.0 --port $PORT' >"${BUILD_DIR}/Procfile"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "The web process runs uvicorn (Procfile: web: uvicorn main:app --host 0.0.0.0 --port \$PORT): uwsgi.ini is not used by it"
	assertCaptured "No uwsgi.ini written: main:app is an ASGI app (main.py defines \`app\`, made by FastAPI(...); FastAPI), which uWSGI cannot serve"
	assertCaptured "Procfile web process: uvicorn found for the dyno"
	assertFalse "no uwsgi.ini" "[ -e '${BUILD_DIR}/uwsgi.ini' ]"
	move_slug
	with_dyno '
		curl -sS -o "$OUT/item" -w "%{http_code} %{content_type}" \
			"http://127.0.0.1:5000/items/42?q=dyno" >"$OUT/status"'
	assertEquals "the dyno answered (log: $(tail -n 5 "${DYNO_LOG}" | tr '\n' '|'))" 0 $?
	assertEquals "200 application/json" "$(cat "${OUTPUT_DIR}/status")"
	assertEquals '{"item_id":42,"q":"dyno"}' "$(cat "${OUTPUT_DIR}/item")"
	assertFileContains "uvicorn served it" "Uvicorn running on http://0.0.0.0:5000" "${DYNO_LOG}"
}

# Dash's deployment docs: `app = Dash(__name__)`, `server = app.server`, run by
# a WSGI server. A Dash 2 object is not callable itself.
testDashIsServedThroughItsServerAndTheAppObjectIsStoppedAtBoot() {
	echo "3.12" >"${BUILD_DIR}/.python-version"
	echo "${DASH}" >"${BUILD_DIR}/requirements.txt"
	cat >"${BUILD_DIR}/app.py" <<-'PY'
	from dash import Dash, html

	app = Dash(__name__)
	app.layout = html.Div([html.H1("Hello from Dash 2")], id="page")
	server = app.server

	if __name__ == "__main__":
	    app.run(debug=True)
	PY
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "Wrote a default uwsgi.ini serving app:server (app.py defines \`app\`, a Dash app (\`app = Dash(...)\`), whose WSGI app is \`server = app.server\`)"
	move_slug
	with_dyno '
		curl -sS -o "$OUT/index" -w "%{http_code}" http://127.0.0.1:5000/ >"$OUT/index.status" &&
		curl -sS -o "$OUT/layout" -w "%{http_code}" http://127.0.0.1:5000/_dash-layout \
			>"$OUT/layout.status"'
	assertEquals "the dyno answered (log: $(tail -n 5 "${DYNO_LOG}" | tr '\n' '|'))" 0 $?
	assertEquals "/ answered" 200 "$(cat "${OUTPUT_DIR}/index.status")"
	assertFileContains "Dash's page" "react-entry-point" "${OUTPUT_DIR}/index"
	assertEquals "/_dash-layout answered" 200 "$(cat "${OUTPUT_DIR}/layout.status")"
	assertFileContains "the app's layout" '"children":"Hello from Dash 2"' "${OUTPUT_DIR}/layout"
	assertFileContains '"id":"page"' "${OUTPUT_DIR}/layout"
	assertFileContains "uwsgi-buildpack: serving app:server;" "${DYNO_LOG}"

	# The Dash object itself, set at boot: the dyno stops at boot, with one
	# line naming it, instead of answering every request with a 500.
	with_dyno 'true' UWSGI_MODULE=app:app
	assertEquals "the dyno never answered" 7 $?
	assertFileContains "uwsgi-buildpack: cannot serve app:app: a 'Dash' object is not callable; its \`server\` attribute is one: set UWSGI_MODULE=app:app.server" "${DYNO_LOG}"
	assertEquals "that line once" 1 "$(grep -c "uwsgi-buildpack: cannot serve" "${DYNO_LOG}")"
	assertFileContains "uWSGI stops (need-app)" "no app loaded. GAME OVER" "${DYNO_LOG}"
	assertFileNotContains "no traceback" "Traceback" "${DYNO_LOG}"
}

# A plain WSGI module with a non-callable `app` (a settings object) beside its
# `application`: UWSGI_MODULE set at boot to the wrong name.
testANonCallableObjectNamedAtBootStopsTheDynoWithOneLine() {
	use_fixture wsgi-app
	echo "3.12" >"${BUILD_DIR}/.python-version"
	cat >>"${BUILD_DIR}/wsgi.py" <<-'PY'


	class Settings:
	    debug = False


	app = Settings()
	PY
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "serving wsgi:application (wsgi.py defines \`application\`)"
	move_slug
	assertServes "Hello from wsgi.py" /
	with_dyno 'true' UWSGI_MODULE=wsgi:app
	assertEquals "the dyno never answered" 7 $?
	assertFileContains "uwsgi-buildpack: cannot serve wsgi:app: a 'Settings' object is not callable; set UWSGI_MODULE to the module:callable of the app's WSGI app" "${DYNO_LOG}"
	assertFileNotContains "no request was answered 500" '" 500 ' "${DYNO_LOG}"
	assertFileNotContains "Traceback" "${DYNO_LOG}"
}

# An app moving from the official Python buildpack: `web: gunicorn mysite.wsgi`,
# which that buildpack's users write, and this buildpack never installs.
testDjangoUnderGunicornNeedsGunicornAndIsThenServedByIt() {
	use_fixture django-app
	echo "3.12" >"${BUILD_DIR}/.python-version"
	echo "web: gunicorn mysite.wsgi" >"${BUILD_DIR}/Procfile"
	cp -a "${BUILD_DIR}" "${OUTPUT_DIR}/django-gunicorn"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertCapturedError 1 " !     Error: The Procfile's web process runs gunicorn, which the dyno will not have."
	assertCaptured " !     Procfile: web: gunicorn mysite.wsgi"
	assertCaptured "gunicorn in requirements.txt"
	assertCaptured "remove the web line from the Procfile"
	assertNotCaptured "Traceback"

	rm -rf "${BUILD_DIR}"
	cp -a "${OUTPUT_DIR}/django-gunicorn" "${BUILD_DIR}"
	echo "${GUNICORN}" >>"${BUILD_DIR}/requirements.txt"
	compile_with_cache "${TEST_SUITE_CACHE}"
	assertBuilt
	assertCaptured "The web process runs gunicorn (Procfile: web: gunicorn mysite.wsgi): uwsgi.ini is not used by it, and static files are not served by uWSGI; the app (whitenoise) or gunicorn must serve them (/static/)"
	assertNotCaptured "served by uWSGI from"
	assertCaptured "the web process does not use it"
	assertCaptured "Procfile web process: gunicorn found for the dyno"
	move_slug
	with_dyno '
		curl -fsS -o "$OUT/page" http://127.0.0.1:5000/ &&
		curl -sS -o /dev/null -w "%{http_code}" http://127.0.0.1:5000/static/django-site.css \
			>"$OUT/css.status"'
	assertEquals "the dyno answered (log: $(tail -n 5 "${DYNO_LOG}" | tr '\n' '|'))" 0 $?
	assertFileContains "Hello from Django on Python 3.12" "${OUTPUT_DIR}/page"
	assertFileContains "gunicorn served it" "Booting worker" "${DYNO_LOG}"
	assertFileNotContains "not uWSGI" "uwsgi-buildpack: serving" "${DYNO_LOG}"
	# As the log said: nothing serves static files under gunicorn here.
	assertEquals "/static/ is not served" 404 "$(cat "${OUTPUT_DIR}/css.status")"
}
