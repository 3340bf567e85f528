"""Headless Chromium for the tests that open pages (reports, the documentation site).

Outside CI these tests skip when Chromium or Playwright is missing; in CI (``CI`` set,
as ``.ci/run`` does after ``make browser`` installed Debian's ``chromium``) they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def in_ci() -> bool:
    """Whether the tests run in CI, where a missing browser is a failure."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> None:
    """Skip (or, in CI, fail) a test that needs something missing."""
    if in_ci():
        pytest.fail(f"{reason} (CI must run the browser tests: run `make browser`)")
    pytest.skip(reason)


def launch_chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright, closed after the last test that used it."""
    executable = os.environ.get("LIMETTE_CHROMIUM") or shutil.which("chromium")
    if executable is None:
        unavailable("Debian's chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
