import numpy as np
import pytest

from limette._design import WeightedDesign
from limette._random import instance_generator, resolve_seed
from limette.engine.evaluate import choose_labels, evaluate, weighted_r2
from limette.errors import InputError, LimetteError, ModelOutputError


def test_evaluate_batches_and_composes():
    calls = []

    def model(batch):
        calls.append(len(batch))
        return np.column_stack([batch.sum(1), -batch.sum(1)])

    samples = np.arange(20.0).reshape(10, 2)
    out = evaluate(model, samples, lambda z: z * 2, classification=True, batch_size=4)
    assert calls == [4, 4, 2]
    np.testing.assert_array_equal(out[:, 0], samples.sum(1) * 2)


def test_evaluate_rejects_changing_output_width():
    def model(batch):
        return np.zeros((len(batch), 2 if batch[0, 0] == 0 else 3))

    with pytest.raises(LimetteError, match="different number of outputs"):
        evaluate(model, np.arange(4.0)[:, None], lambda z: z, classification=True, batch_size=1)


def test_regression_output_must_be_one_value():
    with pytest.raises(ModelOutputError, match="one value per sample"):
        evaluate(
            lambda b: np.zeros((len(b), 2)), np.zeros((3, 1)), lambda z: z, classification=False
        )


def test_choose_labels():
    output = np.array([0.1, 0.6, 0.3])
    assert choose_labels(output, (2,), None, True) == ((2,), None)
    assert choose_labels(output, None, 2, True) == ((1, 2), (1, 2))
    assert choose_labels(np.array([4.2]), (1,), None, False) == ((0,), None)
    with pytest.raises(InputError, match="labels must be integers"):
        choose_labels(output, ("a",), None, True)


def test_weighted_r2_matches_sklearn(rng):
    from sklearn.metrics import r2_score

    Y = rng.normal(size=(100, 2))
    predictions = Y + rng.normal(scale=0.5, size=Y.shape)
    w = rng.random(100)
    design = WeightedDesign(np.zeros((100, 1)), Y, w)
    expected = [r2_score(Y[:, j], predictions[:, j], sample_weight=w) for j in range(2)]
    np.testing.assert_allclose(weighted_r2(design, predictions), expected)


def test_random_state_forms():
    a = instance_generator(resolve_seed(3)).random(3)
    b = instance_generator(resolve_seed(np.int64(3))).random(3)
    np.testing.assert_array_equal(a, b)
    generator = np.random.default_rng(0)
    assert resolve_seed(generator).entropy != resolve_seed(generator).entropy
    with pytest.raises(InputError, match="random_state"):
        resolve_seed("seed")
    with pytest.raises(InputError, match="non-negative"):
        resolve_seed(-1)
