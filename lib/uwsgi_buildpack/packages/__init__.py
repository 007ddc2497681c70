"""The app's packages: which package manager decides, its files and locks, and pip, pip-tools and
the buildpack's own tools that install them.
"""
