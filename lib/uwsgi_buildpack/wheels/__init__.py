"""Wheels the buildpack fetches and installs itself, without pip: the package index as pip is
configured, and the install.
"""
