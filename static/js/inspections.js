// Inspections: show only the sub-sources of the chosen finding source (server validates too).
(function () {
  function filterSubSources() {
    var source = document.getElementById("id_source");
    var sub = document.getElementById("id_sub_source");
    if (!source || !sub) { return; }
    var chosen = source.selectedIndex >= 0 ? source.options[source.selectedIndex] : null;
    var label = chosen && source.value ? chosen.text : null;
    sub.querySelectorAll("optgroup").forEach(function (group) {
      var visible = label === null || group.label === label;
      group.hidden = !visible;
      group.disabled = !visible;
    });
    var current = sub.selectedIndex >= 0 ? sub.options[sub.selectedIndex] : null;
    if (current && current.parentElement && current.parentElement.disabled) { sub.value = ""; }
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "id_source") { filterSubSources(); }
  });
  document.addEventListener("DOMContentLoaded", filterSubSources);
})();
