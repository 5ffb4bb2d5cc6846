// Small progressive enhancements; every page also works without JavaScript.
(function () {
  "use strict";
  // Ask before submitting forms that change a record irreversibly (data-confirm="...").
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // A reveal form removes itself once its answer has replaced the masked value
  // (data-remove-after-success; the Content-Security-Policy rules out inline hx-on handlers).
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (event.detail.successful && elt && elt.hasAttribute && elt.hasAttribute("data-remove-after-success")) {
      elt.remove();
    }
  });
  // On a phone the menu rows scroll sideways: bring the current entry of each row into view.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".nav ul").forEach(function (row) {
      var current = row.querySelector("a[aria-current]");
      if (current && row.scrollWidth > row.clientWidth) {
        row.scrollLeft = current.offsetLeft - (row.clientWidth - current.offsetWidth) / 2;
      }
    });
  });
})();
