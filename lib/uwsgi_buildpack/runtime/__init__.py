"""The app's Python runtime: which version, its archives, and a prefix that works wherever the slug
is unpacked.
"""
