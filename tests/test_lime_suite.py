"""lime 0.2.0.1's own test modules, run against ``limette.compat.lime``.

The modules come from lime's source distribution on the package index at test time
(``pip download --no-deps --no-binary :all: lime==0.2.0.1``, kept in a cache directory);
nothing of lime is stored in this repository. They run in a separate pytest process with
``tests/_lime_suite_plugin.py``, which maps every ``lime`` import to
``limette.compat.lime`` and replaces the 20 Newsgroups download by Rotten Tomatoes
reviews. The test skips when the index cannot be reached.

Three of lime's tests fail on lime 0.2.0.1 itself with today's libraries (pinned by
:func:`test_lime_suite_on_lime`, which runs the same modules against the installed lime);
one more is flaky on lime's own data (``FLAKY``); every other one must pass on limette.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

import limette

SUITE = ("test_discretize", "test_generic_utils", "test_lime_tabular", "test_lime_text",
         "test_scikit_image")  # fmt: skip

LIME_FAILS = {
    "test_lime_text.py::TestLimeText::test_indexed_string_callable": (
        "compares the ragged positions [[0, 4], [1], [2], [3]] with np.array_equal, "
        "which NumPy >= 1.24 cannot turn into an array (returns False)"
    ),
    "test_lime_text.py::TestLimeText::test_indexed_string_regex": (
        "the same ragged np.array_equal comparison of positions"
    ),
    "test_scikit_image.py::TestSegmentationAlgorithm::test_instanciate_segmentation_algorithm": (
        "calls skimage.segmentation.quickshift(random_seed=...) directly; scikit-image "
        "(0.26 here) calls the argument rng"
    ),
}
#: Tests that lime's own data make flaky: allowed to fail on either side.
FLAKY = {
    "test_lime_tabular.py::TestLimeTabular::test_lime_explainer_entropy_discretizer": (
        "splits iris without a random_state and asks for both petal features among the top "
        "two; over 150 random splits that failed in 7 on lime itself and in 4 on limette "
        "(a sepal feature second), and a run of lime failed it once even from a fixed seed"
    ),
}
TOTAL = 31
RESULT = re.compile(r"^(PASSED|FAILED|ERROR) (\S+)", re.MULTILINE)


@pytest.fixture(scope="module")
def suite_dir() -> Path:
    pytest.importorskip("skimage")  # lime's test_scikit_image
    pytest.importorskip("pandas")  # the newsgroups stand-in
    from limette.cli._demo_models import rotten_tomatoes
    from limette.errors import MissingDependencyError

    try:
        rotten_tomatoes()
    except MissingDependencyError as error:
        pytest.skip(f"the newsgroups stand-in needs the Rotten Tomatoes reviews: {error}")
    cache = Path(
        os.environ.get(
            "LIMETTE_LIME_SDIST_DIR", Path(tempfile.gettempdir()) / "limette-lime-0.2.0.1"
        )
    )
    tests = cache / "tests"
    if not all((tests / f"{name}.py").exists() for name in SUITE):
        download = Path(tempfile.mkdtemp(prefix="lime-sdist-"))
        try:
            fetched = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                 "--disable-pip-version-check", "-q", "-d", str(download), "lime==0.2.0.1"],
                capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as error:
            pytest.skip(f"lime's source distribution could not be downloaded: {error}")
        archives = list(download.glob("lime-0.2.0.1.tar.gz"))
        if fetched.returncode != 0 or not archives:
            pytest.skip(f"lime's source distribution could not be downloaded: {fetched.stderr}")
        staging = Path(tempfile.mkdtemp(prefix="lime-tests-", dir=download))
        with tarfile.open(archives[0]) as archive:
            for name in SUITE:
                member = archive.getmember(f"lime-0.2.0.1/lime/tests/{name}.py")
                source = archive.extractfile(member)
                assert source is not None
                (staging / f"{name}.py").write_bytes(source.read())
        cache.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tests, ignore_errors=True)
        shutil.move(str(staging), tests)
        shutil.rmtree(download, ignore_errors=True)
    return tests


def run_suite(tests: Path, target: str) -> dict[str, str]:
    """Run lime's modules in a fresh pytest process; ``{test id: outcome}``."""
    here = Path(__file__).parent
    source = Path(limette.__file__).parent.parent
    env = {
        **os.environ,
        "LIMETTE_LIME_SUITE_TARGET": target,
        "PYTHONPATH": os.pathsep.join([str(here), str(source), os.environ.get("PYTHONPATH", "")]),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "_lime_suite_plugin", "-p", "no:cacheprovider",
         "-o", "addopts=", "-rA", "-W", "ignore::DeprecationWarning", "."],
        cwd=tests, env=env, capture_output=True, text=True, timeout=1200, check=False,
    )  # fmt: skip
    outcomes = {test: outcome for outcome, test in RESULT.findall(done.stdout)}
    header = f"lime suite target: {'limette.compat.lime' if target == 'limette' else 'lime'} ("
    assert header in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    assert len(outcomes) == TOTAL, done.stdout[-3000:] + done.stderr[-3000:]
    return outcomes


def test_lime_suite_on_limette(suite_dir: Path) -> None:
    outcomes = run_suite(suite_dir, "limette")
    failed = sorted(test for test, outcome in outcomes.items() if outcome != "PASSED")
    assert set(failed) <= set(LIME_FAILS) | set(FLAKY), failed
    passed = sum(outcome == "PASSED" for outcome in outcomes.values())
    assert passed >= TOTAL - len(LIME_FAILS) - len(FLAKY)


def test_lime_suite_on_lime(suite_dir: Path) -> None:
    """The failures listed in LIME_FAILS are lime's own, with today's NumPy and scikit-image."""
    pytest.importorskip("lime")
    outcomes = run_suite(suite_dir, "lime")
    failed = {test for test, outcome in outcomes.items() if outcome != "PASSED"}
    assert set(LIME_FAILS) <= failed <= set(LIME_FAILS) | set(FLAKY), failed
