"""matplotlib plots: bars match the weights, the waterfall adds up, the summary averages."""

from __future__ import annotations

import numpy as np
import pytest

from _factories import make_explanation, many_features
from limette.errors import InputError

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")

from limette.plot import NEGATIVE, POSITIVE, plot_summary, plot_waterfall, plot_weights  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _widths(ax):
    return [patch.get_width() for patch in ax.patches]


def test_weights_bars_are_the_weights_strongest_on_top():
    explanation = make_explanation(coef=((0.5, -0.25, 0.05),))
    ax = plot_weights(explanation)
    assert _widths(ax) == pytest.approx([0.05, -0.25, 0.5])  # bottom to top
    assert [t.get_text() for t in ax.get_yticklabels()] == ["c", "b", "a"]
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours == [POSITIVE, NEGATIVE, POSITIVE]
    assert ax.get_title() == "Local explanation for yes"


def test_weights_respect_label_count_and_given_axes():
    explanation = many_features(n=8, labels=(0, 1))
    _, ax = plt.subplots()
    returned = plot_weights(explanation, label=0, ax=ax, num_features=3)
    assert returned is ax
    expected = [w for _, w in explanation.as_list(0)[:3]][::-1]
    assert _widths(ax) == pytest.approx(expected)
    with pytest.raises(InputError, match="label 5 was not explained"):
        plot_weights(explanation, label=5)


def test_weights_draw_intervals_when_present():
    explanation = make_explanation(coef_std=((0.1, 0.05, 0.0),))
    ax = plot_weights(explanation)
    segments = [c for c in ax.containers if getattr(c, "errorbar", None) is not None]
    assert segments, "no error bars"
    lines = segments[0].errorbar.lines[2][0].get_segments()
    half_widths = sorted(round((seg[1][0] - seg[0][0]) / 2, 6) for seg in lines)
    assert half_widths == pytest.approx([0.098, 0.196], rel=1e-4)  # z(0.975) = 1.95996
    assert plot_weights(explanation, intervals=False).containers[0].errorbar is None


def test_waterfall_steps_from_intercept_to_the_surrogate_prediction():
    explanation = make_explanation(coef=((0.5, -0.25, 0.05),))
    ax = plot_waterfall(explanation)
    patches = ax.patches
    # intercept, three steps, prediction (no rest: binary features add up exactly)
    assert len(patches) == 5
    assert patches[0].get_width() == pytest.approx(0.1)
    steps = [(p.get_x(), p.get_width()) for p in patches[1:4]]
    assert steps == [
        pytest.approx((0.1, 0.5)),
        pytest.approx((0.6, -0.25)),
        pytest.approx((0.35, 0.05)),
    ]
    assert patches[4].get_width() == pytest.approx(0.4)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["intercept", "a", "b", "c", "surrogate prediction"]
    assert ax.lines[0].get_xdata()[0] == pytest.approx(0.7)  # the model's probability


def test_waterfall_puts_what_is_not_shown_in_a_rest_step():
    explanation = make_explanation(coef=((0.5, -0.25, 0.05),))
    ax = plot_waterfall(explanation, num_features=1)
    assert [t.get_text() for t in ax.get_yticklabels()][1:3] == ["a", "rest"]
    assert ax.patches[2].get_width() == pytest.approx(-0.2)
    assert ax.patches[2].get_x() == pytest.approx(0.6)


def test_summary_is_the_mean_absolute_weight():
    first = make_explanation(coef=((0.5, -0.25, 0.0),))
    second = make_explanation(coef=((-0.3, 0.0, 0.2),))
    ax = plot_summary([first, second])
    assert _widths(ax) == pytest.approx([0.1, 0.125, 0.4])  # c, b, a bottom to top
    assert [t.get_text() for t in ax.get_yticklabels()] == ["c", "b", "a"]
    assert (
        plot_summary([first, second], label=1).get_title().startswith("Global importance for yes")
    )
    with pytest.raises(InputError, match="is not explained"):
        plot_summary([first], label="nope")
    with pytest.raises(InputError, match="empty"):
        plot_summary([])


def test_as_pyplot_figure_uses_plot_weights():
    explanation = many_features(n=5, labels=(1,))
    figure = explanation.as_pyplot_figure()
    assert len(figure.axes[0].patches) == 5
    assert np.isclose(figure.axes[0].patches[-1].get_width(), explanation.as_list()[0][1])
