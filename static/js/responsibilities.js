// Duty-log form: show the talk fields only for talks. No inline scripts (CSP).
(function () {
  function sync(root) {
    (root || document).querySelectorAll("form.lz-log-form").forEach(function (form) {
      var action = form.querySelector("[data-lz-action]");
      if (!action) { return; }
      var isTalk = action.value === "talk";
      form.querySelectorAll("[data-lz-talk]").forEach(function (input) {
        var wrapper = input.closest(".mb-3") || input;
        wrapper.hidden = !isTalk;
      });
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-lz-action]")) { sync(); }
  });
  document.addEventListener("DOMContentLoaded", function () { sync(); });
  document.addEventListener("htmx:afterSettle", function () { sync(); });
})();
