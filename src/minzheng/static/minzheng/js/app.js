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
})();
