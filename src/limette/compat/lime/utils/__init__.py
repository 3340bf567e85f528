"""lime's ``lime.utils`` package."""
