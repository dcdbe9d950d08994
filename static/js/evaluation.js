// Democratic evaluations (assessments): no inline scripts (CSP).
// - The code page: a QR code carries the voting code after "#", which browsers never send to
//   the server (so it is in no server log); it is copied into the code field here.
// - The code sheet: the print button.
document.addEventListener("DOMContentLoaded", function () {
  var field = document.querySelector("input[name=code][type=text]");
  var hash = window.location.hash.replace(/^#/, "");
  if (field && /^[A-Za-z0-9-]{8,9}$/.test(hash)) {
    field.value = hash.toUpperCase();
    history.replaceState(null, "", window.location.pathname);
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
