// Accountability statistics: render the ECharts widgets from the page's data attribute.
(function () {
  function init() {
    var holder = document.getElementById("lz-acc-chart-data");
    if (!holder || typeof echarts === "undefined") { return; }
    var data = JSON.parse(holder.getAttribute("data-chart") || "{}");
    var mix = document.getElementById("lz-acc-mix");
    if (mix && data.units && data.units.length) {
      echarts.init(mix).setOption({
        tooltip: { trigger: "axis" },
        legend: {},
        grid: { left: 40, right: 10, bottom: 60 },
        xAxis: { type: "category", data: data.units, axisLabel: { rotate: 30 } },
        yAxis: { type: "value", minInterval: 1 },
        series: data.series.map(function (s) {
          return { name: s.name, type: "bar", stack: "total", data: s.data };
        })
      });
    }
    var forms = document.getElementById("lz-acc-forms");
    if (forms && data.forms) {
      echarts.init(forms).setOption({
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "65%"], data: data.forms }]
      });
    }
  }
  document.addEventListener("DOMContentLoaded", init);
})();

// Measure form: show only the sub-kinds of the chosen measure kind (the server validates too).
(function () {
  function filterSubtypes() {
    var kind = document.getElementById("measure_kind");
    var sub = document.getElementById("measure_subtype");
    if (!kind || !sub) { return; }
    var label = kind.selectedIndex >= 0 ? kind.options[kind.selectedIndex].text : null;
    sub.querySelectorAll("optgroup").forEach(function (group) {
      var visible = group.label === label;
      group.hidden = !visible;
      group.disabled = !visible;
    });
    var current = sub.selectedIndex >= 0 ? sub.options[sub.selectedIndex] : null;
    if (current && current.parentElement && current.parentElement.disabled) { sub.value = ""; }
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "measure_kind") { filterSubtypes(); }
  });
  document.addEventListener("DOMContentLoaded", filterSubtypes);
})();

// Measure form: for the chosen target, offer only the kinds the combination rules still allow
// (the target select's data-allowed-kinds; the server refuses the rest, naming the rule).
(function () {
  function filterKinds() {
    var target = document.getElementById("measure_target");
    var kind = document.getElementById("measure_kind");
    if (!target || !kind || !target.dataset.allowedKinds) { return; }
    var allowed = JSON.parse(target.dataset.allowedKinds)[target.value];
    Array.prototype.forEach.call(kind.options, function (option) {
      var visible = !allowed || allowed.indexOf(option.value) >= 0;
      option.hidden = !visible;
      option.disabled = !visible;
    });
    var current = kind.selectedIndex >= 0 ? kind.options[kind.selectedIndex] : null;
    if (current && current.disabled) {
      var first = Array.prototype.find.call(kind.options, function (o) { return !o.disabled; });
      kind.value = first ? first.value : "";
      kind.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "measure_target") { filterKinds(); }
  });
  document.addEventListener("DOMContentLoaded", filterKinds);
})();
