// The place-name form: "adopt the suggested spelling" copies the suggestion into the field and
// asks for the check again.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-adopt]");
  if (!button) {
    return;
  }
  var field = document.getElementById("id_romanised");
  if (field) {
    field.value = button.getAttribute("data-adopt");
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }
});
