/* Progressive filtering of the glossary A–Z index as the reader types (the form still works without it).
 * Same rule as kg/search.py: fold case and accents, runs of other characters become one space,
 * a term matches when the query is a substring of its label, an alias or an acronym.
 */
(function () {
  "use strict";
  function normalise(s) {
    return s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
  }
  function init() {
    var input = document.querySelector("input[data-glossary-filter]");
    var status = document.querySelector(".glossary-count");
    if (!input || !status) return;
    var entries = Array.prototype.slice.call(document.querySelectorAll(".glossary-entry"));
    var sections = Array.prototype.slice.call(document.querySelectorAll(".glossary-letter"));
    var total = status.getAttribute("data-total");
    function apply() {
      var q = normalise(input.value);
      var shown = 0;
      entries.forEach(function (el) {
        var hit = !q || el.getAttribute("data-search").split(" | ").some(function (part) { return part.indexOf(q) !== -1; });
        el.hidden = !hit;
        if (hit) shown += 1;
      });
      sections.forEach(function (sec) { sec.hidden = !sec.querySelector(".glossary-entry:not([hidden])"); });
      status.textContent = q ? shown + " of " + total + " terms match \u201c" + input.value.trim() + "\u201d." : "Showing " + shown + " terms.";
    }
    input.addEventListener("input", apply);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
