"""lime 0.2.0.1's public surface over limette's explainers.

``from lime import lime_tabular`` becomes ``from limette.compat.lime import lime_tabular``;
the names, positional orders, defaults and return shapes are lime's, every number comes
from limette's vectorised explainers. With ``random_state=None`` each explanation draws
its seed from NumPy's global generator, as lime does, so ``np.random.seed`` repeats a run.
Submodules: ``lime_tabular``, ``lime_text``, ``lime_image``, ``lime_base``, ``discretize``,
``explanation``, ``submodular_pick``, ``exceptions``, ``wrappers.scikit_image`` and
``utils.generic_utils``.
"""
