// The place-name map: the records' CGCS2000 coordinates as a scatter on lon/lat axes (no online
// tiles), one series per class, the counties' approximate extents as rectangles; a click opens
// the record.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("placename-map-data");
  var target = document.getElementById("placename-map");
  if (!source || !target || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var plot = window.echarts.init(target, null, { locale: document.documentElement.lang === "en" ? "EN" : "ZH" });
  var series = data.series.map(function (s) {
    return { name: s.name, type: "scatter", symbolSize: 6, data: s.points, large: s.points.length > 2000 };
  });
  var boxes = data.counties.map(function (c) {
    var b = c.box;
    return { coords: [[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]], [b[0], b[1]]], name: c.name };
  });
  series.push({
    name: data.labels.extent, type: "lines", coordinateSystem: "cartesian2d", polyline: true, silent: true,
    lineStyle: { color: "#888", type: "dashed", width: 1 }, data: boxes
  });
  series.push({
    name: data.labels.extent, type: "scatter", symbolSize: 0, silent: true,
    label: { show: true, formatter: function (p) { return p.data[2]; }, color: "#555" },
    data: data.counties.map(function (c) { return [(c.box[0] + c.box[2]) / 2, c.box[3] - 0.03, c.name]; })
  });
  plot.setOption({
    tooltip: { trigger: "item", formatter: function (p) { return p.data && p.data[2] ? p.data[2] + "<br>" + p.data[0] + ", " + p.data[1] : ""; } },
    legend: { type: "scroll", top: 0, left: 0, right: 0 },
    grid: { left: 60, right: 60, top: 70, bottom: 50 },
    xAxis: { type: "value", name: data.labels.lon, min: 111.8, max: 113.5, scale: true },
    yAxis: { type: "value", name: data.labels.lat, min: 30.3, max: 31.7, scale: true },
    dataZoom: [{ type: "inside", xAxisIndex: 0 }, { type: "inside", yAxisIndex: 0 }],
    series: series
  });
  plot.on("click", function (p) {
    if (p.data && p.data[3]) {
      window.location.href = data.detail_url + p.data[3] + "/";
    }
  });
  window.addEventListener("resize", function () { plot.resize(); });
});
