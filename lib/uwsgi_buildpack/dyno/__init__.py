"""What runs on the dyno, not in the build: files the build copies into the slug.

- `profile.sh`: the `.profile.d` script, copied as it is (app/profile.py). What a
  build decides (the stats address) is a data file in the slug that the script
  reads, never shell code written by Python.
- `uwsgi.ini.template`: the template of the default uwsgi.ini (app/default_config.py).
- `wsgi.py`: the WSGI wrapper the default uwsgi.ini serves the app through,
  copied into the slug as `.heroku/uwsgi-buildpack/uwsgi_buildpack_wsgi.py`.

Nothing of the build helper imports this package (only the tests import
`wsgi`): the build reads these files as text.
"""
