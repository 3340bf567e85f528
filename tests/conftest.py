"""Shared fixtures: small real data sets and fitted models, built once per session."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="session")
def cancer():
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer()


@pytest.fixture(scope="session")
def cancer_forest(cancer):
    from sklearn.ensemble import RandomForestClassifier

    model = RandomForestClassifier(n_estimators=50, random_state=0, n_jobs=1)
    return model.fit(cancer.data[:450], cancer.target[:450])


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
