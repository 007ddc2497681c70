"""Every message the buildpack shows a user (being split into submodules)."""

from .packages import *  # noqa: F403
