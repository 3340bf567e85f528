"""The ``limette`` command line: explain a table row, an image or a text without writing Python.

::

    limette explain tabular --model model.joblib --data rows.csv --row 3 --out report.html
    limette explain image --onnx model.onnx --image photo.jpg --out report.html
    limette explain text --model pipeline.joblib --text "a fine film" --json -
    limette demo --out demo-report.html

Progress and warnings go to stderr; a summary (or, with ``--json -``, the JSON) to stdout.
Bad input ends with a one-line ``limette: error: ...`` message and exit code 1 (2 for a
malformed command line).
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from ..errors import InputError, LimetteError
from ..explanation import Explanation
from . import _inputs as inputs

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"limette: error: {message} (see '{self.prog} --help')\n")


def _common(
    parser: argparse.ArgumentParser, samples: int | None, features: int | None = 10
) -> None:
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--samples", type=int, default=samples, help=f"perturbed samples (default {samples})"
    )
    parser.add_argument(
        "--features", type=int, default=features, help=f"most features (default {features})"
    )
    parser.add_argument("--out", help="write a self-contained HTML report here")
    parser.add_argument("--json", help="write the explanation as JSON here ('-' for stdout)")
    parser.add_argument(
        "--force", action="store_true", help="replace --out and --json files that exist"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--traceback", action="store_true", help="show tracebacks of errors")


def _labels(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--labels", type=int, nargs="+", help="class indices to explain")
    parser.add_argument(
        "--top-labels", type=int, default=1, help="explain the most probable classes (default 1)"
    )
    parser.add_argument("--batch-size", type=int, help="samples per model call")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="limette", description="Explain model predictions with LIME.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    demo = commands.add_parser("demo", help="explain real models on bundled data; HTML report")
    _common(demo, samples=None, features=None)
    demo.set_defaults(out="demo-report.html", run=_demo)
    explain = commands.add_parser("explain", help="explain one prediction of your model")
    kinds = explain.add_subparsers(dest="kind", required=True, parser_class=_Parser)

    tabular = kinds.add_parser("tabular", help="a scikit-learn model (joblib) on CSV rows")
    tabular.add_argument("--model", required=True, help="model saved with joblib.dump")
    tabular.add_argument("--data", required=True, help="CSV with a header row")
    tabular.add_argument("--row", type=int, nargs="+", default=[0], help="0-based row(s)")
    tabular.add_argument("--train", help="CSV the statistics are learned from (default: --data)")
    tabular.add_argument("--drop", nargs="+", default=[], help="columns to ignore (a target)")
    tabular.add_argument("--mode", choices=["classification", "regression"])
    tabular.add_argument("--class-names", nargs="+", help="names of the model's classes")
    _common(tabular, samples=5000)
    _labels(tabular)
    tabular.set_defaults(run=_explain_tabular)

    image = kinds.add_parser("image", help="an ONNX image classifier on an image file")
    image.add_argument("--onnx", required=True, help="model.onnx (run with onnxruntime)")
    image.add_argument("--image", required=True, help="image file (JPEG, PNG, ...)")
    image.add_argument("--size", type=int, nargs=2, metavar=("H", "W"), help="resize to H W")
    for flag, default, effect in (
        ("--mean", [0.485, 0.456, 0.406], "subtracted from pixels in [0, 1]"),
        ("--std", [0.229, 0.224, 0.225], "divides the centred pixels"),
    ):
        image.add_argument(
            flag,
            type=float,
            nargs=3,
            default=default,
            metavar=("R", "G", "B"),
            help=f"{effect} (default ImageNet's)",
        )
    image.add_argument(
        "--layout", choices=["nchw", "nhwc"], default="nchw", help="model input layout"
    )
    image.add_argument(
        "--softmax",
        choices=["auto", "yes", "no"],
        default="auto",
        help="apply a softmax to the outputs (auto: unless they are probabilities)",
    )
    image.add_argument(
        "--segmentation",
        choices=["auto", "slic", "grid"],
        default="auto",
        help="superpixels (auto: SLIC when scikit-image is installed, else a grid)",
    )
    image.add_argument("--segments", type=int, default=50, help="about this many segments")
    image.add_argument("--classes", help="text file with one class name per line")
    _common(image, samples=1000)
    _labels(image)
    image.set_defaults(run=_explain_image)

    text = kinds.add_parser("text", help="a text classifier (joblib pipeline) on a text")
    text.add_argument("--model", required=True, help="pipeline saved with joblib.dump")
    source = text.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="the text to explain")
    source.add_argument("--text-file", help="a UTF-8 file holding the text")
    text.add_argument("--class-names", nargs="+", help="names of the model's classes")
    _common(text, samples=5000)
    _labels(text)
    text.set_defaults(run=_explain_text)
    return parser


# --------------------------------------------------------------------- helpers
def _say(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(f"limette: {message}", file=sys.stderr)


def _progress(args: argparse.Namespace) -> bool:
    if args.quiet:
        return False
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def _check_counts(args: argparse.Namespace) -> None:
    for option, value, minimum in (
        ("--samples", args.samples, 2),
        ("--features", args.features, 1),
    ):
        if value is not None and value < minimum:
            raise InputError(f"{option} must be at least {minimum}; got {value}")


def _label_options(args: argparse.Namespace) -> dict[str, Any]:
    if args.labels:
        return {"labels": tuple(args.labels), "top_labels": None}
    return {"top_labels": args.top_labels}


def _batch_size(args: argparse.Namespace) -> int:
    return args.batch_size or max(1, -(-args.samples // 20))


def _explainer_class(name: str) -> Any:
    import limette

    found = getattr(limette, name, None)
    if found is None:
        raise LimetteError(f"limette.{name} is not part of this installation of limette")
    return found


def _call(method: Callable[..., Any], *positional: Any, **options: Any) -> Any:
    """Call ``method``, passing ``progress``/``batch_size`` only where it takes them."""
    parameters = inspect.signature(method).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    optional = {"progress", "batch_size"}
    kept = {k: v for k, v in options.items() if takes_any or k not in optional or k in parameters}
    return method(*positional, **kept)


def _with_class_names(explanation: Explanation, names: Sequence[str] | None) -> Explanation:
    if names is None or explanation.class_names is not None:
        return explanation
    return dataclasses.replace(explanation, class_names=tuple(str(n) for n in names))


# -------------------------------------------------------------------- commands
def _explain_tabular(args: argparse.Namespace) -> tuple[list[Explanation], list[str]]:
    from ..tabular.explainer import TabularExplainer

    _check_counts(args)
    for path, option in ((args.data, "--data"), (args.train, "--train")):
        if path is not None:
            inputs.existing_file(path, option)
    model = inputs.load_pickled_model(args.model, "--model")
    methods = {"classification": ("predict_proba",), "regression": ("predict",)}
    inputs.check_model(
        model, args.model, "--model", methods.get(args.mode, ("predict_proba", "predict"))
    )
    data = inputs.read_table(args.data, "--data", args.drop)
    train = inputs.read_table(args.train, "--train", args.drop) if args.train else data
    if list(train.columns) != list(data.columns):
        raise InputError(
            f"{args.data} has {data.shape[1]} columns {list(data.columns)}; "
            f"{args.train} has {train.shape[1]} columns {list(train.columns)}"
        )
    inputs.check_columns(model, data, args.data)
    for row in args.row:
        if not 0 <= row < len(data):
            raise InputError(f"--row {row} is out of range: {args.data} has {len(data)} rows")
    mode = args.mode or ("classification" if hasattr(model, "predict_proba") else "regression")
    predict = model.predict_proba if mode == "classification" else model.predict
    names = args.class_names or [str(c) for c in getattr(model, "classes_", [])] or None
    frames = hasattr(model, "feature_names_in_")
    if not frames:
        text_columns = [c for c in data.columns if data[c].dtype.kind not in "biuf"]
        if text_columns:
            raise InputError(
                f"columns {text_columns} of {args.data} are not numeric and the model was not "
                "fitted on a DataFrame; encode them as numbers"
            )
    training = train if frames else train.to_numpy(dtype=float)
    explainer = TabularExplainer(
        training,
        mode=mode,
        feature_names=[str(c) for c in data.columns],
        class_names=names,
        random_state=args.seed,
    )
    explanations = []
    for row in args.row:
        _say(args, f"explaining row {row} of {args.data} with {args.samples} samples")
        instance = data.iloc[[row]] if frames else data.iloc[row].to_numpy(dtype=float)
        explanations.append(
            explainer.explain(
                instance,
                predict,
                num_features=args.features,
                num_samples=args.samples,
                batch_size=_batch_size(args),
                progress=_progress(args),
                **(_label_options(args) if mode == "classification" else {}),
            )
        )
    return explanations, [f"{Path(args.data).name}, row {row}" for row in args.row]


def _explain_image(args: argparse.Namespace) -> tuple[list[Explanation], list[str]]:
    _check_counts(args)
    classifier = inputs.OnnxClassifier(
        args.onnx, tuple(args.mean), tuple(args.std), args.layout, args.softmax
    )
    size = tuple(args.size) if args.size else classifier.image_size()
    image = inputs.load_image(args.image, size)
    names = inputs.read_lines(args.classes, "--classes") if args.classes else None
    explainer = _explainer_class("ImageExplainer")(random_state=args.seed)
    _say(
        args,
        f"explaining {args.image} ({image.shape[0]}×{image.shape[1]}) with {args.samples} samples",
    )
    explanation = _call(
        explainer.explain,
        image,
        classifier,
        num_features=args.features,
        num_samples=args.samples,
        segmentation_fn=inputs.segmentation(args.segmentation, args.segments),
        batch_size=_batch_size(args),
        progress=_progress(args),
        **_label_options(args),
    )
    return [_with_class_names(explanation, names)], [Path(args.image).name]


def _explain_text(args: argparse.Namespace) -> tuple[list[Explanation], list[str]]:
    _check_counts(args)
    if args.text_file:
        found = inputs.existing_file(args.text_file, "--text-file")
        try:
            text = found.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise InputError(f"--text-file {args.text_file} is not UTF-8 text") from error
    else:
        text = args.text
    if not text.strip():
        raise InputError("the text to explain is empty")
    model = inputs.load_pickled_model(args.model, "--model")
    inputs.check_model(model, args.model, "--model", ("predict_proba",))
    names = args.class_names or [str(c) for c in getattr(model, "classes_", [])] or None
    explainer = _explainer_class("TextExplainer")(class_names=names, random_state=args.seed)
    _say(args, f"explaining a text of {len(text)} characters with {args.samples} samples")
    explanation = _call(
        explainer.explain,
        text,
        model.predict_proba,
        num_features=args.features,
        num_samples=args.samples,
        batch_size=_batch_size(args),
        progress=_progress(args),
        **_label_options(args),
    )
    caption = text if len(text) <= 60 else text[:59] + "…"
    return [_with_class_names(explanation, names)], [caption]


def _demo(args: argparse.Namespace) -> tuple[list[Explanation], list[str]]:
    from ._demo import explain_demo

    _check_counts(args)
    captions, explanations = explain_demo(
        args.seed, num_samples=args.samples, num_features=args.features
    )
    return explanations, captions


# ---------------------------------------------------------------------- output
def _summary(explanation: Explanation, caption: str) -> str:
    lines = [caption]
    for row, label in enumerate(explanation.labels):
        lines.append(
            f"  {explanation.label_name(label)}: model {explanation.model_pred[row]:.4g}, "
            f"surrogate {explanation.local_pred[row]:.4g}, R² {explanation.score[row]:.3f}"
        )
        lines += [f"    {weight:+.4f}  {name}" for name, weight in explanation.as_list(label)]
    return "\n".join(lines)


def _emit(args: argparse.Namespace, explanations: list[Explanation], captions: list[str]) -> None:
    from ..views.report import render_report

    if args.out:
        title = "limette demo" if args.command == "demo" else f"limette: {captions[0]}"
        Path(args.out).write_text(render_report(explanations, title, captions), encoding="utf-8")
        _say(args, f"wrote {args.out}")
    if args.json:
        if len(explanations) == 1:
            text = explanations[0].to_json()
        else:
            text = json.dumps([e.to_dict() for e in explanations])
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text, encoding="utf-8")
            _say(args, f"wrote {args.json}")
    if args.json != "-":
        print("\n".join(_summary(e, c) for e, c in zip(explanations, captions)))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        inputs.writable_output(args.out, "--out", args.force)
        inputs.writable_output(args.json, "--json", args.force)
        explanations, captions = args.run(args)
        _emit(args, explanations, captions)
    except Exception as error:  # the boundary: one line, no traceback, unless asked
        if args.traceback:
            raise
        kind = "" if isinstance(error, (LimetteError, OSError)) else f"{type(error).__name__}: "
        print(f"limette: error: {kind}{inputs.one_line(error)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
