/* Draws the supervision charts with the vendored Apache ECharts. Each chart reads its data from a
   <script type="application/json"> block; the same data is shown as a table under the chart, so
   the page stays readable without JavaScript or with a screen reader. */
(function () {
  "use strict";
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  // Series and axis names in the page's language (a json_script block "chart-labels"), Chinese otherwise.
  var labels = Object.assign(
    { received: "受理量", closed: "办结量", satisfaction: "满意率", pieces: "件", score: "得分" },
    data("chart-labels") || {}
  );
  var builders = {
    line: function (rows) {
      return {
        tooltip: { trigger: "axis" },
        legend: {},
        xAxis: { type: "category", data: rows.map(function (r) { return r.date; }) },
        yAxis: [{ type: "value", name: labels.pieces }, { type: "value", name: "%", max: 100 }],
        series: [
          { name: labels.received, type: "bar", data: rows.map(function (r) { return r.received; }) },
          { name: labels.closed, type: "bar", data: rows.map(function (r) { return r.closed; }) },
          { name: labels.satisfaction, type: "line", yAxisIndex: 1, connectNulls: true, data: rows.map(function (r) { return r.satisfaction; }) }
        ]
      };
    },
    pie: function (rows) {
      return { tooltip: { trigger: "item" }, series: [{ type: "pie", radius: "65%", data: rows }] };
    },
    bar: function (rows) {
      rows = rows.filter(function (r) { return r.score !== null; }).slice(0, 20);
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 120 },
        xAxis: { type: "value", name: labels.score },
        yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.label; }) },
        series: [{ type: "bar", data: rows.map(function (r) { return r.score; }) }]
      };
    },
    map: function (payload) {
      if (!payload.geojson.features.length) { return null; }
      echarts.registerMap("lianxin-grids", payload.geojson);
      var values = payload.values.map(function (v) { return v.value; }).filter(function (v) { return v !== null; });
      return {
        tooltip: { trigger: "item" },
        visualMap: { min: Math.min.apply(null, values.concat([0])), max: Math.max.apply(null, values.concat([1])), calculable: true,
                     inRange: { color: payload.metric === "satisfaction" ? ["#b00020", "#ffbf47", "#1f6f3a"] : ["#fde0dd", "#a4161a"] } },
        series: [{ type: "map", map: "lianxin-grids", roam: true, data: payload.values }]
      };
    }
  };
  function draw() {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var payload = data(el.getAttribute("data-source"));
      if (!payload) { return; }
      var option = builders[el.getAttribute("data-chart")](payload);
      if (!option) { return; }
      el.style.minHeight = "320px";
      var chart = echarts.init(el);
      chart.setOption(option);
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
