// Authoring: small enhancements; every page works without this file.
(function () {
  "use strict";

  // The question form shows only the answer rows its type uses (the others are dropped on save).
  var GROUPS = {
    single: "choices", multiple: "choices", truefalse: "choices",
    fill: "accepted_answers", ordering: "order_items", matching: "match_pairs"
  };
  var ALL = ["choices", "accepted_answers", "order_items", "match_pairs"];

  function showRowsFor(type) {
    ALL.forEach(function (prefix) {
      var group = document.getElementById(prefix + "-group");
      if (group) {
        group.classList.toggle("hidden-by-type", Boolean(GROUPS[type]) && GROUPS[type] !== prefix);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var type = document.getElementById("id_type");
    if (type) {
      showRowsFor(type.value);
      type.addEventListener("change", function () { showRowsFor(type.value); });
    }
  });

  // Preview: move focus to the verdict once htmx has swapped it in.
  document.addEventListener("htmx:afterSettle", function () {
    var result = document.getElementById("result");
    if (result && result.textContent.trim()) { result.focus(); }
  });
})();
