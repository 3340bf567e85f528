"""The command line, run as a subprocess on real saved models, and its error messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import limette
from _factories import make_explanation
from limette import Explanation, TabularExplainer
from limette.cli import main

SRC = str(Path(limette.__file__).resolve().parent.parent)
joblib = pytest.importorskip("joblib")
pd = pytest.importorskip("pandas")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]))
    return subprocess.run(
        [sys.executable, "-m", "limette", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def run_main(capsys, monkeypatch, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``main`` in this process (faster than a subprocess) with the same result type."""
    monkeypatch.chdir(cwd)
    try:
        code = main(list(args))
    except SystemExit as exit_:  # argparse's usage errors
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("limette: error:")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


@pytest.fixture(scope="module")
def iris_files(tmp_path_factory):
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    folder = tmp_path_factory.mktemp("iris")
    data = load_iris()
    names = ["sepal length", "sepal width", "petal length", "petal width"]
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(data.data, data.target)
    joblib.dump(model, folder / "model.joblib")
    pd.DataFrame(data.data[::10], columns=names).to_csv(folder / "rows.csv", index=False)
    pd.DataFrame(data.data, columns=names).to_csv(folder / "train.csv", index=False)
    return folder, model, data.data, names


def test_tabular_report_and_json_match_the_library(iris_files):
    folder, model, X, names = iris_files
    result = run_cli(
        "explain",
        "tabular",
        "--model",
        "model.joblib",
        "--data",
        "rows.csv",
        "--train",
        "train.csv",
        "--row",
        "3",
        "--samples",
        "400",
        "--features",
        "3",
        "--seed",
        "5",
        "--out",
        "report.html",
        "--json",
        "explanation.json",
        cwd=folder,
    )
    assert result.returncode == 0, result.stderr
    assert "runs code stored in the file; only load models you trust" in result.stderr
    got = Explanation.from_json((folder / "explanation.json").read_text())
    explainer = TabularExplainer(
        X, feature_names=names, class_names=["0", "1", "2"], random_state=5
    )
    expected = explainer.explain(
        X[30], model.predict_proba, num_features=3, num_samples=400, top_labels=1
    )
    assert np.abs(expected.coef).sum() > 0
    assert got.feature_names == expected.feature_names
    assert got.labels == expected.labels
    np.testing.assert_allclose(got.coef, expected.coef)
    page = (folder / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "rows.csv, row 3" in page
    assert all(name in result.stdout for name, _ in expected.as_list())


def test_json_to_stdout_and_several_rows(iris_files):
    folder = iris_files[0]
    result = run_cli(
        "explain",
        "tabular",
        "--model",
        "model.joblib",
        "--data",
        "rows.csv",
        "--row",
        "0",
        "7",
        "--samples",
        "200",
        "--json",
        "-",
        "--out",
        "many.html",
        "--quiet",
        cwd=folder,
    )
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert [Explanation.from_dict(r).num_samples for r in records] == [200, 200]
    assert "Global importance over 2 explanations" in (folder / "many.html").read_text()


def test_frame_pipeline_with_a_categorical_column(tmp_path):
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"size": rng.normal(size=200), "colour": rng.choice(["red", "blue"], size=200)}
    )
    target = (frame["size"] + (frame["colour"] == "red") > 0.5).astype(int)
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough"),
        LogisticRegression(),
    ).fit(frame, target)
    joblib.dump(model, tmp_path / "pipe.joblib")
    frame.to_csv(tmp_path / "rows.csv", index=False)
    result = run_cli(
        "explain",
        "tabular",
        "--model",
        "pipe.joblib",
        "--data",
        "rows.csv",
        "--row",
        "1",
        "--samples",
        "300",
        "--json",
        "-",
        "--quiet",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    explanation = Explanation.from_json(result.stdout)
    assert any(name.startswith("colour=") for name in explanation.feature_names)


def test_regressor_is_explained_in_regression_mode(tmp_path, capsys, monkeypatch):
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    model = LinearRegression().fit(X, X @ np.array([3.0, 0.0, -1.0]))
    joblib.dump(model, tmp_path / "linear.joblib")
    pd.DataFrame(X, columns=["x0", "x1", "x2"]).to_csv(tmp_path / "rows.csv", index=False)
    result = run_main(
        capsys,
        monkeypatch,
        tmp_path,
        "explain",
        "tabular",
        "--model",
        "linear.joblib",
        "--data",
        "rows.csv",
        "--row",
        "2",
        "--samples",
        "400",
        "--features",
        "2",
        "--json",
        "-",
    )
    assert result.returncode == 0, result.stderr
    explanation = Explanation.from_json(result.stdout)
    assert explanation.mode == "regression"
    assert explanation.model_output[0] == pytest.approx(X[2] @ [3.0, 0.0, -1.0])
    assert "x0" in explanation.as_list()[0][0]  # the largest true coefficient comes first


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--data", "missing.csv"], ["--data missing.csv: no such file"]),
        (["--data", "rows.csv", "--row", "99"], ["--row 99 is out of range", "15 rows"]),
        (["--data", "rows.csv", "--drop", "petal width"], ["has 3 columns", "fitted on 4"]),
        (["--data", "rows.csv", "--samples", "1"], ["--samples must be at least 2"]),
        (["--data", "model.joblib"], ["--data model.joblib is not a readable CSV file"]),
        (["--row", "1"], ["the following arguments are required: --data"]),
    ],
)
def test_tabular_bad_input_gives_one_line(iris_files, capsys, monkeypatch, args, fragments):
    result = run_main(
        capsys, monkeypatch, iris_files[0], "explain", "tabular", "--model", "model.joblib", *args
    )
    assert_one_line_error(result, *fragments)


def test_model_that_is_not_a_pickle(iris_files):
    result = run_cli(
        "explain", "tabular", "--model", "rows.csv", "--data", "rows.csv", cwd=iris_files[0]
    )
    assert_one_line_error(result, "--model rows.csv could not be loaded with joblib")


def test_model_that_is_not_a_model_names_the_option(iris_files, tmp_path, capsys, monkeypatch):
    joblib.dump({"weights": [1, 2]}, tmp_path / "dict.joblib")
    (tmp_path / "rows.csv").write_text((iris_files[0] / "rows.csv").read_text())
    result = run_main(
        capsys, monkeypatch, tmp_path, "explain", "tabular", "--model", "dict.joblib",
        "--data", "rows.csv",
    )  # fmt: skip
    assert_one_line_error(
        result, "--model dict.joblib holds a dict, not a model", "predict_proba or predict"
    )
    result = run_main(
        capsys, monkeypatch, tmp_path, "explain", "text", "--model", "dict.joblib",
        "--text", "a fine film",
    )  # fmt: skip
    assert_one_line_error(result, "--model dict.joblib holds a dict", "no predict_proba")


@pytest.mark.parametrize("option", ["--out", "--json"])
def test_output_in_a_missing_folder_is_refused_before_any_work(
    iris_files, capsys, monkeypatch, option
):
    result = run_main(
        capsys, monkeypatch, iris_files[0], "explain", "tabular", "--model", "model.joblib",
        "--data", "rows.csv", option, "no-such-folder/report.html",
    )  # fmt: skip
    assert_one_line_error(
        result, f"{option} no-such-folder/report.html: the folder 'no-such-folder' does not exist"
    )
    assert "only load models you trust" not in result.stderr  # refused before loading


def test_existing_output_is_kept_unless_forced(iris_files, tmp_path, capsys, monkeypatch):
    for name in ("model.joblib", "rows.csv"):
        (tmp_path / name).write_bytes((iris_files[0] / name).read_bytes())
    (tmp_path / "report.html").write_text("my notes")
    command = ["explain", "tabular", "--model", "model.joblib", "--data", "rows.csv"]
    result = run_main(capsys, monkeypatch, tmp_path, *command, "--out", "report.html")
    assert_one_line_error(result, "--out report.html already exists; add --force to replace it")
    assert (tmp_path / "report.html").read_text() == "my notes"
    assert "only load models you trust" not in result.stderr
    result = run_main(capsys, monkeypatch, tmp_path, *command, "--out", "report.html", "--force")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")
    result = run_main(capsys, monkeypatch, tmp_path, *command, "--out", str(tmp_path))
    assert_one_line_error(result, "is a folder; give a file name")


# ------------------------------------------------------------------------ images
def _tiny_onnx(path: Path, batch: str | int = "N") -> np.ndarray:
    """A linear classifier of the mean colour: GlobalAveragePool → MatMul → Softmax."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    weights = np.array([[2.0, -2.0], [0.0, 0.5], [-1.0, 1.0]], dtype=np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("GlobalAveragePool", ["x"], ["pooled"]),
            helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "W"], ["scores"]),
            helper.make_node("Softmax", ["scores"], ["probabilities"], axis=1),
        ],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 3, 16, 16])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [batch, 2])],
        [numpy_helper.from_array(weights, "W")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return weights


@pytest.fixture(scope="module")
def image_files(tmp_path_factory):
    pytest.importorskip("onnxruntime")
    image_module = pytest.importorskip("PIL.Image")
    folder = tmp_path_factory.mktemp("image")
    weights = _tiny_onnx(folder / "tiny.onnx")
    pixels = np.zeros((40, 30, 3), dtype=np.uint8)
    pixels[:20, :, 0] = 255
    pixels[20:, :, 2] = 200
    image_module.fromarray(pixels).save(folder / "photo.png")
    (folder / "notes.jpg").write_text("not an image")
    (folder / "classes.txt").write_text("reddish\nbluish\n")
    return folder, weights


def test_onnx_classifier_known_answer(image_files):
    from limette.cli._inputs import OnnxClassifier, load_image

    folder, weights = image_files
    classifier = OnnxClassifier(str(folder / "tiny.onnx"), (0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
    assert classifier.image_size() == (16, 16)
    images = np.random.default_rng(0).random((5, 16, 16, 3)).astype(np.float32)
    scores = ((images - 0.5) / 0.25).mean(axis=(1, 2)) @ weights
    expected = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    assert expected.std() > 0.01
    np.testing.assert_allclose(classifier(images), expected, rtol=1e-5)
    image = load_image(str(folder / "photo.png"), (16, 16))
    assert image.shape == (16, 16, 3) and image[0, 0, 0] == pytest.approx(1.0)


def test_onnx_model_with_a_fixed_batch_of_one(image_files, tmp_path):
    from limette.cli._inputs import OnnxClassifier

    weights = _tiny_onnx(tmp_path / "one.onnx", batch=1)
    classifier = OnnxClassifier(str(tmp_path / "one.onnx"), (0.0,) * 3, (1.0,) * 3)
    assert classifier.fixed_batch
    images = np.random.default_rng(1).random((3, 16, 16, 3)).astype(np.float32)
    scores = images.mean(axis=(1, 2)) @ weights
    expected = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(classifier(images), expected, rtol=1e-5)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--onnx", "tiny.onnx", "--image", "notes.jpg"], ["--image notes.jpg is not an image"]),
        (["--onnx", "tiny.onnx", "--image", "nope.jpg"], ["--image nope.jpg: no such file"]),
        (["--onnx", "missing.onnx", "--image", "photo.png"], ["--onnx missing.onnx: no such"]),
        (["--onnx", "classes.txt", "--image", "photo.png"], ["is not a loadable ONNX model"]),
    ],
)
def test_image_bad_input_gives_one_line(image_files, capsys, monkeypatch, args, fragments):
    result = run_main(capsys, monkeypatch, image_files[0], "explain", "image", *args)
    assert_one_line_error(result, *fragments)


def test_non_image_file_exits_non_zero_as_a_process(image_files):
    result = run_cli(
        "explain", "image", "--onnx", "tiny.onnx", "--image", "notes.jpg", cwd=image_files[0]
    )
    assert_one_line_error(result, "--image notes.jpg is not an image")


class _StubImageExplainer:
    """Stands in for limette.ImageExplainer with lime's argument names."""

    calls: ClassVar[list[dict]] = []

    def __init__(self, random_state=None):
        self.random_state = random_state

    def explain(
        self,
        image,
        classifier_fn,
        labels=(1,),
        top_labels=5,
        num_features=100000,
        num_samples=1000,
        batch_size=10,
        segmentation_fn=None,
        progress=False,
    ):
        segments = segmentation_fn(image)
        output = classifier_fn(image[None])[0]
        type(self).calls.append(
            dict(
                shape=image.shape,
                segments=int(segments.max()) + 1,
                top_labels=top_labels,
                num_features=num_features,
                num_samples=num_samples,
                seed=self.random_state,
            )
        )
        return make_explanation(
            labels=(int(np.argmax(output)),), class_names=None, model_output=output
        )


def test_image_command_calls_the_image_explainer(image_files, monkeypatch, capsys):
    folder = image_files[0]
    monkeypatch.setattr(limette, "ImageExplainer", _StubImageExplainer, raising=False)
    code = main(
        [
            "explain",
            "image",
            "--onnx",
            str(folder / "tiny.onnx"),
            "--image",
            str(folder / "photo.png"),
            "--classes",
            str(folder / "classes.txt"),
            "--samples",
            "50",
            "--features",
            "4",
            "--seed",
            "9",
            "--segmentation",
            "grid",
            "--segments",
            "16",
            "--out",
            str(folder / "stub.html"),
            "--json",
            "-",
            "--quiet",
        ]
    )
    assert code == 0, capsys.readouterr().err
    call = _StubImageExplainer.calls[-1]
    assert call == dict(
        shape=(16, 16, 3), segments=16, top_labels=1, num_features=4, num_samples=50, seed=9
    )
    explanation = Explanation.from_json(capsys.readouterr().out)
    assert explanation.class_names == ("reddish", "bluish")
    assert "photo.png" in (folder / "stub.html").read_text()


@pytest.mark.skipif(not hasattr(limette, "ImageExplainer"), reason="no limette.ImageExplainer")
def test_image_end_to_end(image_files):
    folder = image_files[0]
    result = run_cli(
        "explain",
        "image",
        "--onnx",
        "tiny.onnx",
        "--image",
        "photo.png",
        "--classes",
        "classes.txt",
        "--samples",
        "60",
        "--segmentation",
        "grid",
        "--segments",
        "4",
        "--mean",
        "0.5",
        "0.5",
        "0.5",
        "--std",
        "0.25",
        "0.25",
        "0.25",
        "--out",
        "image.html",
        "--json",
        "image.json",
        cwd=folder,
    )
    assert result.returncode == 0, result.stderr
    explanation = Explanation.from_json((folder / "image.json").read_text())
    assert explanation.kind == "image" and explanation.class_names == ("reddish", "bluish")
    assert "<!DOCTYPE html>" in (folder / "image.html").read_text()


# -------------------------------------------------------------------------- text
@pytest.fixture(scope="module")
def text_model(tmp_path_factory):
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    folder = tmp_path_factory.mktemp("text")
    texts = ["good fine great", "great film", "bad awful", "awful boring bad", "fine good"] * 4
    labels = [1, 1, 0, 0, 1] * 4
    model = make_pipeline(CountVectorizer(), LogisticRegression()).fit(texts, labels)
    joblib.dump(model, folder / "pipeline.joblib")
    (folder / "empty.txt").write_text("   \n")
    return folder


def test_text_bad_input_gives_one_line(text_model, capsys, monkeypatch):
    empty = run_main(
        capsys,
        monkeypatch,
        text_model,
        "explain",
        "text",
        "--model",
        "pipeline.joblib",
        "--text-file",
        "empty.txt",
    )
    assert_one_line_error(empty, "the text to explain is empty")
    missing = run_main(
        capsys,
        monkeypatch,
        text_model,
        "explain",
        "text",
        "--model",
        "gone.joblib",
        "--text",
        "good",
    )
    assert_one_line_error(missing, "--model gone.joblib: no such file")


@pytest.mark.skipif(not hasattr(limette, "TextExplainer"), reason="no limette.TextExplainer")
def test_text_end_to_end(text_model):
    result = run_cli(
        "explain",
        "text",
        "--model",
        "pipeline.joblib",
        "--text",
        "a good but awful film",
        "--samples",
        "300",
        "--features",
        "3",
        "--json",
        "-",
        "--out",
        "text.html",
        "--class-names",
        "negative",
        "positive",
        cwd=text_model,
    )
    assert result.returncode == 0, result.stderr
    explanation = Explanation.from_json(result.stdout)
    assert explanation.kind == "text" and explanation.class_names == ("negative", "positive")
    assert "<!DOCTYPE html>" in (text_model / "text.html").read_text()


# -------------------------------------------------------------------------- demo
def test_demo_passes_options_to_its_sections(tmp_path, monkeypatch, capsys):
    from limette.cli import _demo

    monkeypatch.setattr(_demo, "SECTIONS", [_demo.tabular_section])
    code = main(
        [
            "demo",
            "--samples",
            "150",
            "--features",
            "3",
            "--out",
            str(tmp_path / "demo.html"),
            "--json",
            str(tmp_path / "demo.json"),
            "--quiet",
        ]
    )
    assert code == 0, capsys.readouterr().err
    records = json.loads((tmp_path / "demo.json").read_text())
    explanations = [Explanation.from_dict(r) for r in records]
    assert len(explanations) == 4
    assert {e.num_samples for e in explanations} == {150}
    assert max(int(e.selected.sum()) for e in explanations) == 3
    assert "limette demo" in (tmp_path / "demo.html").read_text()
