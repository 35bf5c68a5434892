// Survey bar charts and the opinion-group map of a consultation's results page (ECharts, vendored).
(function () {
  "use strict";
  var data = document.getElementById("consultation-charts");
  if (!data || !window.echarts) { return; }
  var charts = JSON.parse(data.textContent);
  var palette = ["#c0392b", "#2471a3", "#1e8449", "#b9770e", "#7d3c98", "#7f8c8d"];
  (charts.survey || []).forEach(function (q) {
    var el = document.getElementById("survey-" + q.number);
    if (!el) { return; }
    var labels = q.options ? q.options.map(function (o) { return o.label; }) : ["1", "2", "3", "4", "5"];
    var values = q.options ? q.options.map(function (o) { return o.count; }) : q.distribution;
    echarts.init(el).setOption({
      grid: { left: 100, right: 20, top: 10, bottom: 20 },
      xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", data: labels },
      series: [{ type: "bar", data: values, itemStyle: { color: palette[1] } }]
    });
  });
  var map = document.getElementById("opinion-map");
  if (map && charts.points && charts.points.length) {
    var groups = {};
    charts.points.forEach(function (p) { (groups[p[2]] = groups[p[2]] || []).push([p[0], p[1]]); });
    var series = Object.keys(groups).map(function (g) {
      var n = Number(g);
      return { type: "scatter", name: n < 0 ? "—" : charts.labels.group + " " + (n + 1), data: groups[g],
               symbolSize: 6, itemStyle: { color: n < 0 ? "#bbb" : palette[n % palette.length] } };
    });
    echarts.init(map).setOption({ legend: {}, xAxis: { show: false }, yAxis: { show: false }, series: series });
  }
})();
