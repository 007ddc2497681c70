"""The uWSGI buildpack's helper: everything `bin/detect`, `bin/compile` and `bin/release` do.

Runs on the build image's own python3 (3.10 or newer) with the standard library
only; the app's Python is a separate runtime installed into the slug.
"""

# Part of the build cache key of installed packages: bump it when a change to the
# buildpack changes what gets installed.
VERSION = "0.4.0"
