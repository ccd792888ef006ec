/* The app's own pages: tooltips for the glossary links the server put in <main>, and the reader's switch
 * (a server-rendered <div data-kg-switch hidden> holding a <button role="switch">, shown once this runs). */
(function () {
  "use strict";
  var script = document.currentScript;
  function start() {
    var base = (script && script.getAttribute("data-kg-base")) || "/";
    var main = document.getElementById("main") || document.body;
    var tips = globalThis.KGTooltips.create({ base: new URL(base, document.baseURI).href, scope: [main], container: main });
    document.querySelectorAll("[data-kg-switch]").forEach(function (bar) {
      var button = bar.querySelector("button[role=switch]");
      if (!button) return;
      tips.bindSwitch(button);
      bar.hidden = false;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
