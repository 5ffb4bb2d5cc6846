// The standards simulator: offer only the parameters of the chosen programme, and draw the
// monthly cost per county before and after the simulated change.
document.addEventListener("DOMContentLoaded", function () {
  var programme = document.getElementById("programme"), key = document.getElementById("key");
  if (programme && key) {
    programme.addEventListener("change", function () {
      var first = null;
      Array.prototype.forEach.call(key.options, function (option) {
        var show = option.getAttribute("data-programme") === programme.value;
        option.hidden = !show;
        if (show && first === null) { first = option; }
      });
      if (first) { key.value = first.value; }
    });
  }

  var data = document.getElementById("simulator-data");
  var target = document.getElementById("simulator-chart");
  if (!data || !target || !window.echarts) {
    return;
  }
  var chart = JSON.parse(data.textContent);
  var plot = window.echarts.init(target, null, { locale: document.documentElement.lang === "en" ? "EN" : "ZH" });
  plot.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: [chart.labels.before, chart.labels.after] },
    grid: { left: 80, right: 20, bottom: 40 },
    xAxis: { type: "category", data: chart.counties },
    yAxis: { type: "value", name: chart.labels.unit },
    series: [
      { name: chart.labels.before, type: "bar", data: chart.before.map(Number), itemStyle: { color: "#9db8dc" } },
      { name: chart.labels.after, type: "bar", data: chart.after.map(Number), itemStyle: { color: "#1f5fa8" } }
    ]
  });
  window.addEventListener("resize", function () { plot.resize(); });
});
