"""lime's ``lime.wrappers`` package."""
