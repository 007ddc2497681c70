"""The build's steps, one module each, in the order build.py runs them.

app (what the app is), python (the runtime), uwsgi (the binary), lock and
packages (the app's dependencies), configure (uwsgi.ini, Procfile), slug
(run-time environment, the cache saved). Each takes the BuildContext and the
results of earlier steps, and returns a frozen dataclass.
"""
