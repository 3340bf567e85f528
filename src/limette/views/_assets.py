"""The report's inline stylesheet and script, and the Content-Security-Policy that pins them.

The script only shows and hides what the page already contains (it never builds markup
from data), so nothing from an explanation can become code. The page's policy allows no
network at all and no script but this one, identified by its SHA-256 hash.
"""

from __future__ import annotations

import base64
import hashlib

STYLE = """
.limette,.limette-page{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222}
.limette-page{margin:1.5rem 2rem;max-width:1100px}
.limette-explanation{border:1px solid #ddd;border-radius:8px;padding:.8rem 1.4rem;margin:1rem 0;
 background:#fff}
.limette-explanation h2{font-size:1.2rem;margin:.3rem 0 .6rem}
.limette-explanation h3{font-size:1rem;margin:1rem 0 .3rem}
.lm-controls{display:flex;gap:1.5rem;align-items:center;margin:.6rem 0;font-size:14px}
.lm-controls input{width:4.5em}
.lm-chart{display:block;max-width:100%;overflow:visible;font-size:12px}
.lm-chart .lm-pos{fill:#2166ac}.lm-chart .lm-neg{fill:#b2182b}
.lm-probabilities .lm-bar{fill:#7f7f7f}.lm-probabilities .lm-emphasis .lm-bar{fill:#e08214}
.lm-emphasis .lm-name{font-weight:600}
.lm-zero{stroke:#444;stroke-width:1}.lm-whisker{stroke:#111;stroke-width:1.5}
.lm-name,.lm-value{fill:#222}
.lm-beyond{display:none}
.lm-hl.lm-beyond{display:inline;background:none!important}
.lm-legend{font-size:13px;color:#444}.lm-key{display:inline-block;width:.8em;height:.8em;
 margin:0 .3em 0 .8em;vertical-align:-.05em}
.lm-key.lm-pos{background:#2166ac}.lm-key.lm-neg{background:#b2182b}
table.lm-table{border-collapse:collapse;margin:.4rem 0;font-size:13px}
.lm-table td,.lm-table th{padding:2px 10px;text-align:left;border-bottom:1px solid #eee;
 max-width:28em;overflow-wrap:anywhere}
.lm-table td.lm-num{text-align:right;font-variant-numeric:tabular-nums}
.lm-fidelity{display:flex;flex-wrap:wrap;gap:.3rem 1.6rem;font-size:13px;margin:.3rem 0}
.lm-fidelity b{font-variant-numeric:tabular-nums}
.lm-warn{color:#b2182b}
.lm-meta{color:#666;font-size:12px}
.lm-modality{margin:.4rem 0}
nav.lm-toc{font-size:14px}
"""

SCRIPT = """(function () {
  "use strict";
  function all(root, selector) {
    return Array.prototype.slice.call(root.querySelectorAll(selector));
  }
  function setup(root) {
    if (root.getAttribute("data-lm-ready")) { return; }
    root.setAttribute("data-lm-ready", "1");
    var controls = root.querySelector(".lm-controls");
    var count = root.querySelector("input.lm-count");
    if (!controls || !count) { return; }
    var label = root.querySelector("select.lm-label");
    controls.hidden = false;
    function update() {
      var most = parseInt(count.getAttribute("max"), 10);
      var k = parseInt(count.value, 10);
      if (!(k >= 1)) { k = 1; }
      if (k > most) { k = most; }
      if (label) {
        all(root, ".lm-panel").forEach(function (panel) {
          panel.hidden = panel.getAttribute("data-label") !== label.value;
        });
      }
      all(root, "[data-rank]").forEach(function (item) {
        item.classList.toggle("lm-beyond", parseInt(item.getAttribute("data-rank"), 10) >= k);
      });
      all(root, "svg[data-rows]").forEach(function (chart) {
        var rows = Math.min(k, parseInt(chart.getAttribute("data-rows"), 10));
        var height = parseInt(chart.getAttribute("data-pad"), 10) +
          rows * parseInt(chart.getAttribute("data-row-height"), 10);
        chart.setAttribute("height", String(height));
      });
    }
    count.addEventListener("input", update);
    count.addEventListener("change", update);
    if (label) { label.addEventListener("change", update); }
    update();
  }
  all(document, ".limette-explanation").forEach(setup);
})();"""

SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")

#: No network, no plugins, no forms, no scripts but :data:`SCRIPT`; images only as data URIs.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    f"script-src 'sha256-{SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)
