"""What runs on the dyno, not in the build: files the build copies into the slug.

- `profile.sh`: the `.profile.d` script, copied as it is (profile.py). What a
  build decides (the stats address) is a data file in the slug that the script
  reads, never shell code written by Python.
- `uwsgi.ini`: the template of the default uwsgi.ini (uwsgi_config.py).

Nothing of the build helper imports this package: the files are read as text.
"""
