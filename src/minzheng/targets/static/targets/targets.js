/* Charts of the target pages (ECharts, served locally). Each chart reads its data from a
   <script type="application/json"> block; the tables next to the charts carry the same figures,
   so the pages stay usable without JavaScript. */
(function () {
  "use strict";
  var STATUS_COLOURS = { met: "#1c7c3c", on_track: "#0b3d7a", behind: "#a15c00", missed: "#b3261e", no_data: "#9aa5b1", anomaly: "#7a2e8a" };

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function chart(id) {
    var node = document.getElementById(id);
    if (!node || !window.echarts) { return null; }
    var instance = window.echarts.init(node, null, { renderer: "canvas" });
    window.addEventListener("resize", function () { instance.resize(); });
    return instance;
  }

  function dashboard() {
    var d = data("dashboard-data");
    if (!d) { return; }
    var status = chart("chart-status");
    if (status) {
      status.setOption({
        tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
        legend: { bottom: 0 },
        series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"], label: { formatter: "{b}\n{c}" },
          data: d.status.map(function (s) { return { name: s.name, value: s.value, itemStyle: { color: STATUS_COLOURS[s.key] } }; }) }]
      });
    }
    // One bar per section, tall enough for every full name (wrapped, never cut off).
    var sectionsNode = document.getElementById("chart-sections");
    if (sectionsNode) { sectionsNode.style.height = Math.max(280, d.sections.length * 34 + 40) + "px"; }
    var sections = chart("chart-sections");
    if (sections) {
      sections.setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 16, right: 48, top: 10, bottom: 28, containLabel: true },
        xAxis: { type: "value", max: 100, name: d.labels.score },
        yAxis: { type: "category", inverse: true, data: d.sections.map(function (s) { return s.name; }),
          axisLabel: { width: 170, overflow: "breakAll", lineHeight: 14, interval: 0 } },
        series: [{ type: "bar", data: d.sections.map(function (s) { return s.score; }), itemStyle: { color: "#0b3d7a" },
          label: { show: true, position: "right" } }]
      });
    }
    var units = chart("chart-units");
    if (units && d.units.length) {
      units.setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: d.units.map(function (u) { return u.name; }), axisLabel: { interval: 0, rotate: d.units.length > 8 ? 40 : 0 } },
        yAxis: { type: "value", max: 100, name: d.labels.score },
        series: [{ type: "bar", data: d.units.map(function (u) { return u.score; }), itemStyle: { color: "#3a6ea5" },
          label: { show: true, position: "top" } }]
      });
      units.on("click", function (params) {
        var unit = d.units[params.dataIndex];
        var link = document.querySelector('a[data-drill="' + unit.code + '"]');
        if (link) { window.location.href = link.href; }
      });
    }
    var trend = chart("chart-trend");
    if (trend && d.trend.length) {
      trend.setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: d.trend.map(function (t) { return t.date; }) },
        yAxis: { type: "value", max: 100, name: d.labels.score },
        series: [{ type: "line", data: d.trend.map(function (t) { return t.score; }), smooth: true, itemStyle: { color: "#0b3d7a" } }]
      });
    }
  }

  function targetPage() {
    var d = data("target-data");
    if (!d) { return; }
    var trend = chart("chart-target-trend");
    if (trend) {
      var series = [{ name: d.labels.actual, type: "line", data: d.history.map(function (h) { return h.value; }), connectNulls: false, itemStyle: { color: "#0b3d7a" } }];
      if (d.history.some(function (h) { return h.expected !== null; })) {
        series.push({ name: d.labels.expected, type: "line", data: d.history.map(function (h) { return h.expected; }), lineStyle: { type: "dashed" }, itemStyle: { color: "#a15c00" } });
      }
      series[0].markLine = { symbol: "none", data: [{ yAxis: d.target, name: d.labels.target }], lineStyle: { color: "#b3261e" }, label: { formatter: d.labels.target_line } };
      trend.setOption({
        tooltip: { trigger: "axis" }, legend: { bottom: 0 },
        grid: { left: 8, right: 48, top: 36, bottom: 32, containLabel: true },
        xAxis: { type: "category", data: d.history.map(function (h) { return h.date; }) },
        yAxis: { type: "value", name: d.unit },
        series: series
      });
    }
    var units = chart("chart-target-units");
    if (units && d.children.length) {
      units.setOption({
        tooltip: { trigger: "axis" }, legend: { bottom: 0 },
        grid: { left: 8, right: 16, top: 36, bottom: 32, containLabel: true },
        xAxis: { type: "category", data: d.children.map(function (c) { return c.name; }), axisLabel: { interval: 0, rotate: d.children.length > 8 ? 40 : 0 } },
        yAxis: { type: "value", name: d.unit },
        series: [
          { name: d.labels.actual, type: "bar", data: d.children.map(function (c) {
            return { value: c.value, itemStyle: { color: c.lags ? "#a15c00" : "#3a6ea5" } };
          }) },
          { name: d.labels.target, type: "scatter", symbol: "rect", symbolSize: [26, 3], itemStyle: { color: "#b3261e" },
            data: d.children.map(function (c) { return c.threshold; }) }
        ]
      });
      units.on("click", function (params) {
        var child = d.children[params.dataIndex];
        var link = document.querySelector('a[data-drill="' + child.code + '"]');
        if (link) { window.location.href = link.href; }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    dashboard();
    targetPage();
  });
})();
