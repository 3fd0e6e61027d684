// Authoring: small enhancements; every page works without this file.
(function () {
  "use strict";

  // The question form shows only the answer rows its type uses (the others are dropped on save). Which rows
  // each type uses comes from the server (question_types.rows_map), rendered into #type-rows.
  var GROUPS = {};
  var ALL = [];

  function readGroups() {
    var source = document.getElementById("type-rows");
    GROUPS = source ? JSON.parse(source.dataset.typeRows || "{}") : {};
    ALL = Object.keys(GROUPS).map(function (type) { return GROUPS[type]; })
      .filter(function (prefix, i, all) { return all.indexOf(prefix) === i; });
  }

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
    readGroups();
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
