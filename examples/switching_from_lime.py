"""
Switching from lime: the same code, one import changed
======================================================

This is lime's tabular tutorial code (iris, a random forest, ``LimeTabularExplainer``) and
its text tutorial code (``LimeTextExplainer`` over a scikit-learn pipeline), with one line
changed: ``from lime import ...`` became ``from limette.compat.lime import ...``. The
explanations come from limette's engine; the names, arguments and return values are
lime's, so ``exp.as_list()``, ``exp.intercept``, ``exp.score`` and ``exp.local_exp`` read
as they always did. As in lime, ``np.random.seed`` repeats a run.

Run: ``python examples/switching_from_lime.py [--quick]``.
"""

from __future__ import annotations

import argparse

import numpy as np
import sklearn.ensemble
from sklearn.datasets import load_iris

# from lime import lime_tabular, lime_text
from limette.compat.lime import lime_tabular, lime_text

parser = argparse.ArgumentParser(description="lime's tutorials through limette.compat.lime.")
parser.add_argument("--quick", action="store_true", help="fewer samples")
args = parser.parse_args()
num_samples = 1000 if args.quick else 5000

# %%
# Tables: lime's iris tutorial.
np.random.seed(1)  # noqa: NPY002 (lime's way of seeding, kept on purpose)
iris = load_iris()
train, labels_train = iris.data[::2], iris.target[::2]
rf = sklearn.ensemble.RandomForestClassifier(n_estimators=100, random_state=0)
rf.fit(train, labels_train)
explainer = lime_tabular.LimeTabularExplainer(
    train,
    feature_names=iris.feature_names,
    class_names=iris.target_names,
    discretize_continuous=True,
)
exp = explainer.explain_instance(
    iris.data[1], rf.predict_proba, num_features=2, top_labels=1, num_samples=num_samples
)
label = exp.available_labels()[0]
print("explained label:", iris.target_names[label])
print("as_list:", exp.as_list(label=label))
print(f"intercept[{label}] = {exp.intercept[label]:.3f}, score = {exp.score:.3f}")

# %%
# The same seed gives the same explanation, as with lime.
np.random.seed(1)  # noqa: NPY002 (lime's way of seeding, kept on purpose)
again = explainer.explain_instance(
    iris.data[1], rf.predict_proba, num_features=2, top_labels=1, num_samples=num_samples
)
print("repeats under np.random.seed:", again.as_list(label=label) == exp.as_list(label=label))

# %%
# Texts: lime's two-class text tutorial, on a TF-IDF pipeline.
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

texts = [
    "a moving, funny and beautifully acted film",
    "a dull, lifeless script and wooden acting",
    "beautifully shot and deeply moving",
    "boring, predictable and far too long",
    "funny, warm and wonderfully acted",
    "a lifeless, predictable mess",
]
pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, [1, 0, 1, 0, 1, 0])
text_explainer = lime_text.LimeTextExplainer(class_names=["negative", "positive"])
exp = text_explainer.explain_instance(
    "a funny film but the script is dull and predictable",
    pipeline.predict_proba,
    num_features=4,
    num_samples=num_samples,
)
for word, weight in exp.as_list():
    print(f"  {weight:+.3f}  {word}")
