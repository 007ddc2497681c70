#!/bin/sh
# shellcheck shell=sh
#
# test_utils.sh -- helpers for the shunit2 buildpack test suites (test/*_test.sh).
#
# Suites load it with
#
#     . "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
#
# and are run as `"${SHUNIT_HOME}/src/shunit2" path/to/suite_test.sh`, either by
# our test/run (BUILDPACK_TEST_RUNNER_HOME=<buildpack copy>/test/testrunner) or by
# heroku-buildpack-testrunner's bin/run (BUILDPACK_TEST_RUNNER_HOME=<that runner>).
#
# This is an independent implementation of the helper API that
# heroku-buildpack-testrunner documents for its lib/test_utils.sh, meant to give
# the same pass/fail results so a suite that passes under one runner passes
# under the other. Where the upstream helpers have observable quirks that can
# change a result, they are reproduced on purpose and marked "compat:".
#
# Public API (same names as upstream):
#   variables  TEST_SUITE_CACHE OUTPUT_DIR BUILD_DIR CACHE_DIR ENV_DIR STD_OUT STD_ERR
#              RETURN (exit status of the last capture), rtrn (deprecated alias),
#              LAST_COMMAND (the last captured command line)
#   shunit2    oneTimeSetUp oneTimeTearDown setUp tearDown
#   hooks      beforeSetUp afterSetUp beforeTearDown afterTearDown (no-ops; override them)
#   running    capture CMD [ARG...], resetCapture, detect, compile, release
#   asserts    assertCapturedSuccess, assertCapturedError [[code] message],
#              assertCaptured [message] text, assertNotCaptured [message] text,
#              assertCapturedEquals [message] text, assertCapturedNotEquals [message] text,
#              assertAppDetected name, assertNoAppDetected,
#              assertContains [message] needle haystack, assertNotContains ...,
#              assertFileContains [message] needle file, assertFileNotContains ...,
#              assertFileMD5 md5 file
#
# Everything else here is private (prefix _tu_); suites must not use it, because
# the upstream runner does not have it.
#
# Portability: when shunit2 is run as `shunit2 suite.sh` it is executed by
# /bin/sh (dash on Debian) whatever the suite's own shebang says, and the suite
# and this file are sourced into that shell. So this file is POSIX sh: no
# `local`, arrays, [[ ]] or bash-only expansions.
#
# Note for buildpack scripts: like upstream, assertCapturedError and
# assertNoAppDetected require STD_ERR to be empty, i.e. bin/detect and
# bin/compile report their errors on stdout.

# --- suite and test fixtures -------------------------------------------------

_tu_tmp_root() {
  # shunit2 provides SHUNIT_TMPDIR; fall back to TMPDIR so the file can also be
  # sourced on its own.
  printf '%s\n' "${SHUNIT_TMPDIR:-${TMPDIR:-/tmp}}"
}

oneTimeSetUp() {
  TEST_SUITE_CACHE=$(mktemp -d "$(_tu_tmp_root)/test_suite_cache.XXXXXX")
}

oneTimeTearDown() {
  # shunit2 2.1.8 calls this a second time from its EXIT trap: keep it idempotent.
  if [ -n "${TEST_SUITE_CACHE:-}" ]; then
    rm -rf "${TEST_SUITE_CACHE}"
  fi
}

# Hooks for suites to override (define them after sourcing this file).
beforeSetUp() { :; }
afterSetUp() { :; }
beforeTearDown() { :; }
afterTearDown() { :; }

setUp() {
  beforeSetUp
  OUTPUT_DIR=$(mktemp -d "$(_tu_tmp_root)/output.XXXXXX") || return 1
  STD_OUT="${OUTPUT_DIR}/stdout"
  STD_ERR="${OUTPUT_DIR}/stderr"
  BUILD_DIR="${OUTPUT_DIR}/build"
  CACHE_DIR="${OUTPUT_DIR}/cache"
  ENV_DIR="${OUTPUT_DIR}/env"
  mkdir -p "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}" || return 1
  # The status of setUp is the hook's: shunit2 aborts the suite if it fails.
  afterSetUp
}

tearDown() {
  # shunit2 2.1.8 calls tearDown once more from its EXIT trap, after the last
  # test: keep it idempotent.
  beforeTearDown
  if [ -n "${OUTPUT_DIR:-}" ]; then
    rm -rf "${OUTPUT_DIR}"
  fi
  afterTearDown
}

# --- running commands ---------------------------------------------------------

resetCapture() {
  if [ -n "${STD_OUT:-}" ] && [ -f "${STD_OUT}" ]; then
    rm -f "${STD_OUT}"
  fi
  if [ -n "${STD_ERR:-}" ] && [ -f "${STD_ERR}" ]; then
    rm -f "${STD_ERR}"
  fi
  unset LAST_COMMAND RETURN rtrn
}

# capture CMD [ARG...]: run CMD with stdout in ${STD_OUT} and stderr in ${STD_ERR};
# its exit status goes to RETURN (and to the deprecated rtrn).
capture() {
  resetCapture
  # LAST_COMMAND and rtrn are public API, read by suites.
  # shellcheck disable=SC2034
  LAST_COMMAND="$*"
  # compat: the upstream helper expands the command unquoted, so arguments are
  # word-split (and glob-expanded) again: `capture sh -c "exit 3"` runs
  # `sh -c exit 3` under both runners. Reproduced so that a suite relying on
  # quoting fails here too instead of only under the upstream runner.
  # shellcheck disable=SC2068
  $@ >"${STD_OUT}" 2>"${STD_ERR}"
  RETURN=$?
  # shellcheck disable=SC2034
  rtrn=${RETURN}
}

detect() {
  capture "${BUILDPACK_HOME}/bin/detect" "${BUILD_DIR}"
}

compile() {
  capture "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
}

release() {
  capture "${BUILDPACK_HOME}/bin/release" "${BUILD_DIR}"
}

# --- private helpers ----------------------------------------------------------

# Print a captured file; empty when it does not exist (nothing captured yet).
_tu_captured() {
  if [ -n "${1:-}" ] && [ -f "$1" ]; then
    cat "$1"
  fi
}

# _tu_check MESSAGE STATUS: record one assertion that passed if STATUS is 0.
_tu_check() {
  if [ "$2" -eq 0 ]; then
    assertTrue "$1" 0
  else
    fail "$1"
  fi
}

# _tu_contains KIND EXPECT [MESSAGE] NEEDLE HAYSTACK
#   KIND   text: HAYSTACK is a string; file: HAYSTACK is a file name
#   EXPECT 0: NEEDLE must occur (fixed string); 1: it must not occur
# Like upstream, a missing file fails both the positive and the negative form.
_tu_contains() {
  _tu_kind=$1
  _tu_expect=$2
  shift 2
  _tu_msg=
  if [ $# -eq 3 ]; then
    _tu_msg=$1
    shift
  elif [ $# -ne 2 ]; then
    fail "expected [message] needle haystack; got $# argument(s)"
    unset _tu_kind _tu_expect _tu_msg
    return 1
  fi
  _tu_needle=$1
  _tu_haystack=$2

  if [ "${_tu_kind}" = file ]; then
    grep -q -F -e "${_tu_needle}" "${_tu_haystack}"
  else
    # compat: upstream feeds the haystack through `echo`, which in dash turns
    # backslash escapes such as \n or \t into the characters themselves.
    echo "${_tu_haystack}" | grep -q -F -e "${_tu_needle}"
  fi
  _tu_found=$?

  _tu_status=0
  if [ "${_tu_found}" -ne "${_tu_expect}" ]; then
    if [ -z "${_tu_msg}" ]; then
      if [ "${_tu_expect}" -eq 0 ]; then
        _tu_msg="Expected <${_tu_haystack}> to contain <${_tu_needle}>"
      else
        _tu_msg="Did not expect <${_tu_haystack}> to contain <${_tu_needle}>"
      fi
    fi
    fail "${_tu_msg}"
    _tu_status=1
  fi
  unset _tu_kind _tu_expect _tu_msg _tu_needle _tu_haystack _tu_found
  return "${_tu_status}"
}

# --- assertions ---------------------------------------------------------------
#
# Each assertion records its checks with shunit2 (assertEquals, fail, ...). Its
# own exit status is, as upstream, that of its last check, so shunit2's
# "FAILED (failures=N)" and "returned non-zero return code" output come out the
# same under both runners.

assertContains() {
  _tu_contains text 0 "$@"
}

assertNotContains() {
  _tu_contains text 1 "$@"
}

assertFileContains() {
  _tu_contains file 0 "$@"
}

assertFileNotContains() {
  _tu_contains file 1 "$@"
}

assertCaptured() {
  assertFileContains "$@" "${STD_OUT}"
}

assertNotCaptured() {
  assertFileNotContains "$@" "${STD_OUT}"
}

assertCapturedEquals() {
  assertEquals "$@" "$(_tu_captured "${STD_OUT}")"
}

assertCapturedNotEquals() {
  assertNotEquals "$@" "$(_tu_captured "${STD_OUT}")"
}

assertCapturedSuccess() {
  assertEquals "Expected captured exit code to be 0; was <${RETURN:-}>" "0" "${RETURN:-}"
  _tu_err=$(_tu_captured "${STD_ERR}")
  assertEquals "Expected STD_ERR to be empty; was <${_tu_err}>" "" "${_tu_err}"
  _tu_status=$?
  unset _tu_err
  return "${_tu_status}"
}

# assertCapturedError [[expectedCode] expectedMessage]
# The command failed (non-zero, or exactly expectedCode), its stdout contains
# expectedMessage and its stderr is empty.
assertCapturedError() {
  if [ $# -gt 1 ]; then
    _tu_error_code=$1
    shift
  fi
  _tu_error_msg=${1:-}

  # compat: upstream keeps the expected code in a global that is never reset,
  # so once a suite has called `assertCapturedError CODE msg`, later calls
  # without a code in the same suite still expect CODE. Reproduced (the
  # variable outlives this call) so such a suite fails under both runners.
  if [ -z "${_tu_error_code:-}" ]; then
    [ "${RETURN:-0}" -gt 0 ] 2>/dev/null
    _tu_check "Expected captured exit code to be greater than 0; was <${RETURN:-}>" $?
  else
    [ "${RETURN:-}" -eq "${_tu_error_code}" ] 2>/dev/null
    _tu_check "Expected captured exit code to be <${_tu_error_code}>; was <${RETURN:-}>" $?
  fi

  assertFileContains "Expected STD_OUT to contain error <${_tu_error_msg}>" \
    "${_tu_error_msg}" "${STD_OUT}"
  unset _tu_error_msg
  assertEquals "STD_ERR should always be empty" "" "$(_tu_captured "${STD_ERR}")"
}

# assertAppDetected NAME: detect succeeded, printed exactly NAME, stderr empty.
assertAppDetected() {
  if [ $# -lt 1 ]; then
    # (upstream aborts the whole suite here; either way the test fails)
    fail "assertAppDetected: missing the expected app type"
    return 1
  fi
  assertCapturedSuccess
  assertEquals "Expected the detected app type" "$1" "$(_tu_captured "${STD_OUT}")"
}

# assertNoAppDetected: detect exited 1, printed exactly "no", stderr empty.
assertNoAppDetected() {
  assertEquals "Expected detect to exit with 1" "1" "${RETURN:-}"
  assertEquals "Expected detect to print 'no'" "no" "$(_tu_captured "${STD_OUT}")"
  assertEquals "Expected STD_ERR to be empty" "" "$(_tu_captured "${STD_ERR}")"
}

# assertFileMD5 MD5 FILE
assertFileMD5() {
  if command -v md5sum >/dev/null 2>&1; then
    # Compare whole `md5sum` lines so a failure shows both the hash and the file.
    assertEquals "${1}  ${2}" "$(md5sum "${2}")"
  elif command -v md5 >/dev/null 2>&1; then
    assertEquals "MD5 (${2}) = ${1}" "$(md5 "${2}")"
  else
    fail "assertFileMD5: neither md5sum nor md5 is available"
  fi
}
