// The SPARQL query page: example links load into the editor, Ctrl/Cmd+Enter runs the query.
// Without JavaScript the example links run the query directly and the form still works.
(function () {
  "use strict";
  var form = document.querySelector("form.sparql");
  var editor = document.getElementById("sparql-query");
  if (!form || !editor) return;
  document.querySelectorAll("a.example[data-query]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return; // new tab: follow the link
      event.preventDefault();
      editor.value = link.getAttribute("data-query");
      editor.focus();
      editor.setSelectionRange(0, 0);
      editor.scrollIntoView({ block: "nearest" });
    });
  });
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.submit();
    }
  });
})();
