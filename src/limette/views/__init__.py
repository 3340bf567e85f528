"""Views of explanations: the HTML report (:mod:`limette.report`) and matplotlib plots
(:mod:`limette.plot`), with the SVG charts, page assets and summaries they share."""
