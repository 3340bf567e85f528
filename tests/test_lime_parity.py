"""Parity with lime 0.2.0.1 on real data: same top features, correlated weights."""

import numpy as np
import pytest
from scipy.stats import spearmanr

from limette import TabularExplainer

lime_tabular = pytest.importorskip("lime.lime_tabular")

ROWS = range(20)
SAMPLES = 20000


def _models():
    from sklearn.datasets import load_breast_cancer, load_diabetes
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    cancer = load_breast_cancer()
    Xtr, Xte, ytr, _ = train_test_split(cancer.data, cancer.target, random_state=0)
    forest = RandomForestClassifier(n_estimators=50, random_state=0).fit(Xtr, ytr)
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(Xtr, ytr)
    diabetes = load_diabetes()
    Dtr, Dte, dtr, _ = train_test_split(diabetes.data, diabetes.target, random_state=0)
    regressor = RandomForestRegressor(n_estimators=50, random_state=0).fit(Dtr, dtr)
    return {
        "forest": ("classification", Xtr, Xte, forest.predict_proba),
        "logistic": ("classification", Xtr, Xte, logistic.predict_proba),
        "regressor": ("regression", Dtr, Dte, regressor.predict),
    }


MODELS = _models()


def _weights(explanation_map, label, d):
    weights = np.zeros(d)
    for feature, weight in explanation_map[label]:
        weights[feature] = weight
    return weights


@pytest.mark.parametrize("name", sorted(MODELS))
def test_top_features_and_weights_agree_with_lime(name):
    mode, train, test, predict = MODELS[name]
    d = train.shape[1]
    ours = TabularExplainer(train, mode=mode, feature_selection="none", random_state=0)
    theirs = lime_tabular.LimeTabularExplainer(
        train, mode=mode, feature_selection="none", random_state=0
    )
    label = 1 if mode == "classification" else 0
    jaccards, correlations = [], []
    for row in ROWS:
        a = ours.explain(test[row], predict, num_features=d, num_samples=SAMPLES)
        b = theirs.explain_instance(test[row], predict, num_features=d, num_samples=SAMPLES)
        wa = _weights(a.as_map(), label, d)
        wb = _weights(b.as_map(), 1, d)
        assert np.abs(wb).max() > 0
        top_a, top_b = set(np.argsort(-np.abs(wa))[:5]), set(np.argsort(-np.abs(wb))[:5])
        jaccards.append(len(top_a & top_b) / len(top_a | top_b))
        correlations.append(spearmanr(wa, wb)[0])
    assert np.median(jaccards) >= 0.8, jaccards
    assert np.median(correlations) >= 0.9, correlations
