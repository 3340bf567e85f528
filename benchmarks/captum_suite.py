"""Captum's own Lime and KernelShap tests, run against limette and against Captum.

Captum's tests are not in its PyPI sdist, so they are not shipped here: point ``--tests``
at ``tests/attr`` of a Captum checkout (the helpers they import come with the installed
``captum.testing``). For limette, only the imports of ``Lime``, ``LimeBase`` and
``KernelShap`` are changed to limette's; Captum's ``get_exp_kernel_similarity_function``,
``SkLearnLasso`` and the rest stay Captum's. Each run fixes torch's seed (Captum's tests
reseed it in ``setUp``; ``--seeds`` shifts that seed), and every failure is counted as a
*tolerance* miss (a value off by more than the test's delta) or a *hard* failure (an
exception or a wrong shape).

``python benchmarks/captum_suite.py --tests ~/captum/tests/attr --seeds 1234 0 1 2 3``
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

FILES = ("test_lime.py", "test_kernel_shap.py")
IMPORTS = {
    "test_lime.py": (
        "from captum.attr._core.lime import get_exp_kernel_similarity_function, Lime, LimeBase",
        "from captum.attr._core.lime import get_exp_kernel_similarity_function\n"
        "from limette import Lime, LimeBase",
    ),
    "test_kernel_shap.py": (
        "from captum.attr._core.kernel_shap import KernelShap",
        "from limette import KernelShap",
    ),
}
CONFTEST = """
import os
import captum.testing.helpers.basic as basic

_original = basic.set_all_random_seeds
_shift = int(os.environ["CAPTUM_SUITE_SEED"]) - 1234


def _shifted(seed: int = 1234) -> None:
    _original(seed + _shift)


basic.set_all_random_seeds = _shifted
"""
TOLERANCE = re.compile(r"differ more than by|not almost equal|within \S+ delta")


def prepare(tests: Path, implementation: str, folder: Path) -> None:
    for name in FILES:
        text = (tests / name).read_text()
        if implementation == "limette":
            old, new = IMPORTS[name]
            if old not in text:
                raise SystemExit(f"{name}: expected the import line {old!r}")
            text = text.replace(old, new)
        (folder / name).write_text(text)
    (folder / "conftest.py").write_text(CONFTEST)


def run(tests: Path, implementation: str, seed: int) -> Counter[str]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        prepare(tests, implementation, root)
        report = root / "report.xml"
        env = dict(os.environ, CAPTUM_SUITE_SEED=str(seed))
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore",
             f"--junitxml={report}", *FILES],
            cwd=root, env=env, capture_output=True, check=False,
        )  # fmt: skip
        counts: Counter[str] = Counter()
        for case in ET.parse(report).iter("testcase"):
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            if problem is None:
                counts["skipped" if case.find("skipped") is not None else "passed"] += 1
                continue
            message = (problem.get("message") or "") + (problem.text or "")
            kind = "tolerance" if TOLERANCE.search(message) else "hard"
            counts[kind] += 1
            counts[f"{kind}: {case.get('classname', '').split('.')[0]}.{case.get('name')}"] += 1
        return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=Path, required=True, help="Captum's tests/attr")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1234])
    parser.add_argument("--implementations", nargs="+", default=["captum", "limette"])
    parser.add_argument("--quick", action="store_true", help="only the first seed")
    args = parser.parse_args()
    seeds = args.seeds[:1] if args.quick else args.seeds
    for implementation in args.implementations:
        for seed in seeds:
            counts = run(args.tests, implementation, seed)
            total = sum(counts[k] for k in ("passed", "tolerance", "hard", "skipped"))
            print(
                f"{implementation:8s} seed {seed:5d}: {counts['passed']}/{total} passed, "
                f"{counts['tolerance']} tolerance misses, {counts['hard']} hard failures",
                flush=True,
            )
            for key in sorted(k for k in counts if ": " in k):
                print(f"    {key}", flush=True)


if __name__ == "__main__":
    main()
