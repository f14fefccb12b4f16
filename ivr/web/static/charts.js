// Draws every element with a data-chart attribute (an ECharts option as JSON, from the server)
// with the vendored Apache ECharts, as SVG: crisp on a wall screen, in print and in screenshots.
// Pages that update a chart live call hotlineChart(element, option) again.
"use strict";
function hotlineChart(element, option) {
  // A bar's label is its value; a zero would only clutter a stacked or sparse chart.
  (option.series || []).forEach((series) => {
    if (series.type === "bar" && series.label && series.label.show) {
      const suffix = series.label.formatter === "{c}%" ? "%" : "";
      series.label.formatter = (p) => (p.value ? p.value + suffix : "");
    }
  });
  const chart = echarts.getInstanceByDom(element) || echarts.init(element, "dark", {renderer: "svg"});
  chart.setOption(option, true);
  element.dataset.drawn = String(Date.now());
  return chart;
}
document.querySelectorAll("[data-chart]").forEach((element) => {
  hotlineChart(element, JSON.parse(element.dataset.chart));
});
window.addEventListener("resize", () => {
  document.querySelectorAll("[data-chart]").forEach((element) => {
    const chart = echarts.getInstanceByDom(element);
    if (chart) chart.resize();
  });
});
