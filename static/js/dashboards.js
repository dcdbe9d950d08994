// Cockpit charts (issue 7): reads the JSON that the page renders with json_script and draws
// each chart with the vendored ECharts. The same numbers are in the table beneath each chart.
// Trend charts sit in folded <details>: a chart drawn in a hidden box has no size, so each
// is drawn when its section first opens. No inline scripts (CSP).
(function () {
  "use strict";
  // Unit names under the bars: rotated and cut to fit when the box is narrow (375 px phones),
  // so labels never run into each other; the full names are in the table beneath.
  function axisLabel(chart, box) {
    var slot = (box.clientWidth - 64) / Math.max(1, chart.categories.length);
    var narrow = slot < 72;
    return {
      interval: 0,
      rotate: narrow ? 45 : 0,
      fontSize: box.clientWidth < 576 ? 10 : 12,
      width: narrow ? 64 : Math.max(24, slot - 8),
      overflow: "truncate",
      hideOverlap: false
    };
  }
  function render(chart, box) {
    var isBar = chart.type === "bar";
    var instance = echarts.init(box, null, { renderer: "svg" });
    instance.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 48, right: 16, top: 40, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: chart.categories, axisLabel: axisLabel(chart, box) },
      yAxis: { type: "value" },
      series: chart.series.map(function (s) {
        return isBar
          ? { name: s.name, type: "bar", stack: chart.stacked ? "total" : undefined, data: s.data }
          : { name: s.name, type: "line", data: s.data, connectNulls: false };
      })
    });
    window.addEventListener("resize", function () { instance.resize(); });
    // Printing lays the page out at the paper's width: redraw the chart to fit it.
    window.addEventListener("beforeprint", function () { instance.resize(); });
    window.matchMedia("print").addEventListener("change", function () { instance.resize(); });
  }
  function draw() {
    var source = document.getElementById("lz-cockpit-data");
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    (data.charts || []).forEach(function (chart) {
      var box = document.getElementById(chart.id);
      if (!box) { return; }
      var folded = box.closest("details");
      if (folded && !folded.open) {
        folded.addEventListener("toggle", function once() {
          if (!folded.open) { return; }
          folded.removeEventListener("toggle", once);
          render(chart, box);
        });
        return;
      }
      render(chart, box);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
