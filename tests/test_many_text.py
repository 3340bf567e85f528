"""TextExplainer.explain_many: the same answers as explain, however the work is split."""

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context

import numpy as np
import pytest

from limette import TextExplainer
from limette.errors import InputError, InstanceError, ModelCallError

WEIGHTS = {"good": 0.5, "great": 0.25, "bad": -0.375, "dull": -0.125}
DOCS = [
    "a good film with a great cast",
    "bad plot, dull pacing, good music",
    "great",
    "nothing to say about it at all really",
    "good good bad",
    "the cast was great but the plot was bad and dull",
    "a dull evening",
]
OPTIONS = {"num_samples": 120, "random_state": 5}


def sentiment(texts):
    """Exact dyadic arithmetic: each row's output does not depend on the batch."""
    score = np.array([sum(WEIGHTS.get(word, 0.0) for word in t.split()) for t in texts])
    p = 0.5 + score / 8
    return np.column_stack([1 - p, p])


def fragile(texts):
    """Fails on any batch holding the document itself of the poisoned review."""
    if any("poison" in t.split() for t in texts):
        raise RuntimeError("poisoned review")
    return sentiment(texts)


def same(a, b):
    return a.to_dict() == b.to_dict()


@pytest.fixture(scope="module")
def explainer():
    return TextExplainer(class_names=["neg", "pos"])


@pytest.fixture(scope="module")
def singles(explainer):
    return [explainer.explain(doc, sentiment, **OPTIONS) for doc in DOCS]


def test_singles_are_known_answers(singles):
    first = dict(singles[0].as_list())
    assert first["good"] > first["great"] > 0 and abs(first["a"]) < 0.01
    assert dict(singles[1].as_list())["bad"] < 0


@pytest.mark.parametrize("batch_size", [None, 1, 7, 120, 333])
@pytest.mark.parametrize("chunk_size", [1, 3, None])
def test_explain_many_equals_explain_bit_for_bit(explainer, singles, batch_size, chunk_size):
    result = explainer.explain_many(
        DOCS, sentiment, batch_size=batch_size, chunk_size=chunk_size, **OPTIONS
    )
    assert len(result) == len(DOCS) and result.errors == []
    assert all(same(a, b) for a, b in zip(result, singles))


def test_thread_and_process_pools_keep_answers(explainer, singles):
    with ThreadPoolExecutor(2) as pool:
        threaded = explainer.explain_many(
            DOCS, sentiment, batch_size=50, chunk_size=2, executor=pool, **OPTIONS
        )
    assert all(same(a, b) for a, b in zip(threaded, singles))
    with ProcessPoolExecutor(2, mp_context=get_context("fork")) as pool:
        shipped = explainer.explain_many(DOCS, sentiment, chunk_size=3, executor=pool, **OPTIONS)
    assert all(same(a, b) for a, b in zip(shipped, singles))


def test_model_calls_span_documents_and_stay_within_batch_size(explainer):
    sizes = []

    def counting(texts):
        assert isinstance(texts, list) and all(isinstance(t, str) for t in texts)
        sizes.append(len(texts))
        return sentiment(texts)

    explainer.explain_many(DOCS, counting, batch_size=250, chunk_size=7, **OPTIONS)
    # whole documents per call (2 x 120 rows), the last one alone
    assert sizes == [240, 240, 240, 120]


def test_failures_are_collected_and_every_document_accounted_for(explainer, singles):
    docs = [*DOCS[:2], "poison in the plot", DOCS[2], 42, *DOCS[3:]]
    result = explainer.explain_many(docs, fragile, batch_size=400, errors="collect", **OPTIONS)
    assert result.failed == [2, 4]
    assert isinstance(result.errors[0][1], ModelCallError)
    assert "classifier_fn raised RuntimeError" in str(result.errors[0][1])
    assert isinstance(result.errors[1][1], InputError)
    assert result.indices == [0, 1, 3, 5, 6, 7, 8]
    assert sorted(result.indices + result.failed) == list(range(len(docs)))
    # neighbours of the poisoned review in the same model call were retried and kept
    assert all(same(a, b) for a, b in zip(result, singles))
    with pytest.raises(InstanceError, match=r"instance 2 failed.*poisoned review") as info:
        explainer.explain_many(docs, fragile, batch_size=400, **OPTIONS)
    assert info.value.index == 2
    with pytest.raises(ModelCallError, match="classifier_fn raised"):
        explainer.explain("poison in the plot", fragile, **OPTIONS)


def test_boundary_errors(explainer):
    with pytest.raises(InputError, match="one str"):
        explainer.explain_many("a good film", sentiment)
    with pytest.raises(InputError, match="num_samples"):
        explainer.explain_many(DOCS, sentiment, num_samples=1)
    assert len(explainer.explain_many([], sentiment)) == 0


def test_iter_explanations_streams_chunks(explainer, singles):
    chunks = list(explainer.iter_explanations(DOCS, sentiment, chunk_size=3, **OPTIONS))
    assert [chunk.indices for chunk in chunks] == [[0, 1, 2], [3, 4, 5], [6]]
    assert same(chunks[1][4], singles[4])  # by input index
