"""Every message the buildpack shows a user, in one package.

Domain modules decide *when* something is wrong and hand over the facts (the
file, the line, the value); the functions of this package turn those facts
into a short title and a few calm paragraphs saying what is wrong, where and
how to fix it. Keeping all the text together keeps the wording consistent and
reviewable. Its modules follow what the message is about:

    core            BuildError, Message, the codes (CATALOGUE), internal errors
    python_version  the version files, Pipfile.lock's version, requires-python,
                    unsupported versions, and the warnings about a version
    runtime         the stack, the CPU architecture, the runtime archive's source
    uwsgi           uWSGI's pinned version, its source, its compile
    app             config vars, committed runtime or virtualenv, entry point,
                    the Procfile's web process
    packages        pip, hashes, locks, package managers and their locks
    hooks           bin/pre_compile, bin/post_compile, collectstatic
    uwsgi_ini       the app's own uwsgi.ini, harakiri
    records         what the messages read of other modules' records

Each message carries a stable code (`python-version::eol`,
`requirements::hash-mismatch`), which `bin/report` records as the build's
`failure_reason` (or among its `warnings`), as Heroku's own Python buildpack
does, so that failures can be counted without parsing English. A code never
changes once released, even when the wording does.

This package imports no other module of the buildpack (only its own
submodules): the types it formats (a version request, an ini option) are
described, in `records`, by the few attributes it reads, so that every domain
module can import it without a cycle. Call sites use the package itself
(`errors.python_version_eol(...)`, `errors.BuildError`): it re-exports every
public name of its modules.
"""

from __future__ import annotations

from .app import (
    app_file_not_regular,
    app_file_too_large,
    asgi_app,
    committed_runtime,
    committed_virtualenv,
    config_var_invalid,
    config_var_unreadable,
    fallback_app_warning,
    flask_app_not_found,
    no_entry_point,
    web_program_missing,
)
from .core import (
    CATALOGUE,
    EXAMPLE_MINOR,
    BuildError,
    Message,
    internal,
)
from .hooks import (
    collectstatic_failed,
    hook_failed,
)
from .packages import (
    hash_mismatch,
    lock_failed,
    lock_generated_notice,
    lock_outdated_warning,
    multiple_package_managers,
    not_all_pinned,
    pinned_requirements_conflict,
    pip_install_failed,
    pipfile_invalid,
    pipfile_lock_invalid,
    pipfile_lock_outdated,
    pipfile_lock_unhashed,
    pipfile_not_locked,
    poetry_export_failed,
    poetry_lock_outdated,
    project_not_locked,
    pyproject_unreadable,
    uv_export_failed,
    uv_lock_outdated,
)
from .python_version import (
    cached_python_unsupported,
    free_threaded_not_supported,
    invalid_python_version_line,
    invalid_runtime_txt,
    multiple_versions_in_python_version_file,
    no_version_in_python_version_file,
    pipfile_lock_python_version_invalid,
    pypy_not_supported,
    python_patch_outdated,
    python_version_deprecated,
    python_version_eol,
    python_version_file_misspelled,
    python_version_not_available,
    python_version_not_specified,
    python_version_unknown,
    requires_python_invalid,
    requires_python_mismatch,
    requires_python_unsatisfiable,
    version_file_encoding,
    version_files_disagree,
)
from .runtime import (
    arch_unsupported,
    arch_unsupported_on_stack,
    runtime_archive_corrupt,
    runtime_archive_missing,
    runtime_archive_not_listed,
    runtime_archive_unsafe,
    runtime_broken,
    runtime_checksum_mismatch,
    runtime_source_http_error,
    runtime_source_unreachable,
    runtime_url_invalid,
    stack_missing,
    stack_unsupported,
    tarfile_filter_missing,
    zstd_missing,
)
from .uwsgi import (
    uwsgi_compile_failed,
    uwsgi_hash_mismatch,
    uwsgi_version_not_found,
)
from .uwsgi_ini import (
    harakiri_recommendation,
    ini_cheaper,
    ini_cron,
    ini_log_reopens_stdio,
    ini_log_to_file,
    ini_no_die_on_term,
    ini_no_harakiri,
    ini_no_port_socket,
    ini_spooler,
    ini_stats_public,
    ini_stats_unix_socket,
    ini_too_many_processes,
    ini_uwsgi_protocol_socket,
    ini_workers_die_on_sigterm,
    uwsgi_ini_errors,
    uwsgi_ini_no_section,
    uwsgi_ini_syntax,
    uwsgi_ini_unreadable,
)

__all__ = [
    "BuildError",
    "CATALOGUE",
    "EXAMPLE_MINOR",
    "Message",
    "arch_unsupported",
    "arch_unsupported_on_stack",
    "cached_python_unsupported",
    "app_file_not_regular",
    "app_file_too_large",
    "asgi_app",
    "collectstatic_failed",
    "committed_runtime",
    "committed_virtualenv",
    "config_var_invalid",
    "config_var_unreadable",
    "fallback_app_warning",
    "flask_app_not_found",
    "free_threaded_not_supported",
    "harakiri_recommendation",
    "hash_mismatch",
    "hook_failed",
    "ini_cheaper",
    "ini_cron",
    "ini_log_reopens_stdio",
    "ini_log_to_file",
    "ini_no_die_on_term",
    "ini_no_harakiri",
    "ini_no_port_socket",
    "ini_spooler",
    "ini_stats_public",
    "ini_stats_unix_socket",
    "ini_too_many_processes",
    "ini_uwsgi_protocol_socket",
    "ini_workers_die_on_sigterm",
    "internal",
    "invalid_python_version_line",
    "invalid_runtime_txt",
    "lock_failed",
    "lock_generated_notice",
    "lock_outdated_warning",
    "multiple_package_managers",
    "multiple_versions_in_python_version_file",
    "no_entry_point",
    "no_version_in_python_version_file",
    "not_all_pinned",
    "pinned_requirements_conflict",
    "pip_install_failed",
    "pipfile_invalid",
    "pipfile_lock_invalid",
    "pipfile_lock_outdated",
    "pipfile_lock_python_version_invalid",
    "pipfile_lock_unhashed",
    "pipfile_not_locked",
    "poetry_export_failed",
    "poetry_lock_outdated",
    "project_not_locked",
    "pyproject_unreadable",
    "pypy_not_supported",
    "python_patch_outdated",
    "python_version_deprecated",
    "python_version_eol",
    "python_version_file_misspelled",
    "python_version_not_available",
    "python_version_not_specified",
    "python_version_unknown",
    "requires_python_invalid",
    "requires_python_mismatch",
    "requires_python_unsatisfiable",
    "runtime_archive_corrupt",
    "runtime_archive_missing",
    "runtime_archive_not_listed",
    "runtime_archive_unsafe",
    "runtime_broken",
    "runtime_checksum_mismatch",
    "runtime_source_http_error",
    "runtime_source_unreachable",
    "runtime_url_invalid",
    "stack_missing",
    "stack_unsupported",
    "tarfile_filter_missing",
    "uv_export_failed",
    "uv_lock_outdated",
    "uwsgi_compile_failed",
    "uwsgi_hash_mismatch",
    "uwsgi_ini_errors",
    "uwsgi_ini_no_section",
    "uwsgi_ini_syntax",
    "uwsgi_ini_unreadable",
    "uwsgi_version_not_found",
    "version_file_encoding",
    "version_files_disagree",
    "web_program_missing",
    "zstd_missing",
]
