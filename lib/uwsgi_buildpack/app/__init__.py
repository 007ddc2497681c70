"""What the app is and what it is given: its entry point, static files, the default uwsgi.ini, the
check of its own, the stats server and the run-time environment.
"""
