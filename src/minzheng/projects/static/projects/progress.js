// A key project's progress: cumulative investment (bars, 万元, with the budget as a line) and
// physical progress in per cent (line, right axis), month by month.
document.addEventListener("DOMContentLoaded", function () {
  var data = document.getElementById("project-chart-data");
  var target = document.getElementById("project-chart");
  if (!data || !target || !window.echarts) {
    return;
  }
  var chart = JSON.parse(data.textContent);
  var plot = window.echarts.init(target, null, { locale: document.documentElement.lang === "en" ? "EN" : "ZH" });
  plot.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: [chart.labels.investment, chart.labels.progress] },
    grid: { left: 70, right: 60, bottom: 40 },
    xAxis: { type: "category", data: chart.periods },
    yAxis: [
      { type: "value", name: chart.labels.investment },
      { type: "value", name: chart.labels.progress, min: 0, max: 100 }
    ],
    series: [
      {
        name: chart.labels.investment, type: "bar", data: chart.investment.map(Number),
        itemStyle: { color: "#1f5fa8" },
        markLine: { symbol: "none", data: [{ yAxis: Number(chart.budget), name: chart.labels.budget }] }
      },
      { name: chart.labels.progress, type: "line", yAxisIndex: 1, data: chart.progress.map(Number), itemStyle: { color: "#c0392b" } }
    ]
  });
  window.addEventListener("resize", function () { plot.resize(); });
});
