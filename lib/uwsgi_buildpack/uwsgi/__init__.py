"""uWSGI itself: which version, and its compile into the build cache."""
