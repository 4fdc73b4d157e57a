// The script inside the report: reads the embedded JSON and draws each chart with uPlot into its
// `.chart` container. Plain ES5, no other dependency; the tables are already in the markup, so
// the page reads (and prints) without it. A plain template literal: a backslash in the script
// must be written doubled (\\).
export const CLIENT_SCRIPT = `(function () {
  'use strict';
  var HEIGHT = 260;
  var PHASE = { connect: 'rgba(37,99,235,0.10)', run: 'rgba(22,163,74,0.06)', drain: 'rgba(217,119,6,0.16)', done: 'rgba(100,116,139,0.14)', warmup: 'rgba(147,51,234,0.14)' };
  // Outages over the phases: a lighter red while fewer devices are up, a stronger one where connections were lost.
  var OUTAGE = { down: 'rgba(220,38,38,0.10)', loss: 'rgba(220,38,38,0.30)' };
  var data = JSON.parse(document.getElementById('fleetbench-data').textContent);
  var plots = [];

  function log10(x) { return Math.log(x) / Math.LN10; }
  // x = 1/(1-p): 1 -> 0%, 10 -> 90%, 100 -> 99%, 1000 -> 99.9% ...
  function pctTick(x) {
    var d = Math.round(log10(x));
    return d <= 0 ? '0%' : (100 - 100 / Math.pow(10, d)).toFixed(Math.max(0, d - 2)) + '%';
  }
  function pctValue(u, x) {
    if (x == null) return '-';
    var p = 100 - 100 / x;
    return (p < 99 ? p.toFixed(1) : p.toFixed(Math.min(6, Math.ceil(log10(x)) - 1))) + '%';
  }
  function decades(u, axis, min, max) {
    var out = [];
    for (var v = 1; v <= max * 1.000001; v *= 10) if (v >= min / 1.000001) out.push(v);
    return out;
  }
  function yRange(u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; }
  function fill(u, list, colour) {
    var ctx = u.ctx, b = u.bbox;
    for (var i = 0; i < list.length; i++) {
      var x0 = Math.max(b.left, u.valToPos(list[i].from, 'x', true));
      var x1 = Math.min(b.left + b.width, u.valToPos(list[i].to, 'x', true));
      if (x1 > x0) {
        ctx.fillStyle = colour(list[i]);
        ctx.fillRect(x0, b.top, x1 - x0, b.height);
      }
    }
  }
  function bandsHook(bands, marks) {
    return function (u) {
      u.ctx.save();
      fill(u, bands || [], function (x) { return PHASE[x.phase] || PHASE.done; });
      fill(u, marks || [], function (x) { return OUTAGE[x.kind] || OUTAGE.loss; });
      u.ctx.restore();
    };
  }
  function options(c, width) {
    var pct = c.kind === 'percentile';
    var unit = c.y.indexOf('ms') >= 0 ? ' ms' : '';
    var series = [{ label: pct ? 'percentile' : 'time', value: pct ? pctValue : function (u, v) { return v == null ? '-' : v + ' s'; } }];
    for (var i = 0; i < c.series.length; i++) {
      var s = c.series[i];
      var def = { label: s.label, stroke: s.color, width: 2, spanGaps: false, value: function (u, v) { return v == null ? '-' : (+v.toFixed(3)) + unit; } };
      if (s.dash) def.dash = [6, 4];
      series.push(def);
    }
    return {
      width: width,
      height: HEIGHT,
      series: series,
      scales: {
        x: pct ? { time: false, distr: 3, log: 10, range: function (u, min, max) { return [1, Math.max(10, max || 10)]; } } : { time: false },
        y: { range: yRange }
      },
      axes: [
        pct ? { label: 'percentile', splits: decades, values: function (u, vals) { return vals.map(pctTick); } } : { label: 'seconds into the run' },
        { label: c.y, size: 64 }
      ],
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      hooks: c.bands || c.marks ? { drawClear: [bandsHook(c.bands, c.marks)] } : {}
    };
  }
  function widthOf(el) { return Math.max(280, Math.floor(el.getBoundingClientRect().width)); }
  for (var i = 0; i < data.charts.length; i++) {
    var c = data.charts[i];
    var el = document.getElementById('chart-' + c.id);
    if (!el) continue;
    try {
      var cols = [c.x];
      for (var j = 0; j < c.series.length; j++) cols.push(c.series[j].values);
      plots.push({ el: el, u: new uPlot(options(c, widthOf(el)), cols, el) });
    } catch (e) {
      el.textContent = 'This chart could not be drawn: ' + e.message;
      console.error(e);
    }
  }
  function resize(print) {
    for (var i = 0; i < plots.length; i++) plots[i].u.setSize({ width: print ? Math.min(widthOf(plots[i].el), 680) : widthOf(plots[i].el), height: HEIGHT });
  }
  var timer = null;
  window.addEventListener('resize', function () { clearTimeout(timer); timer = setTimeout(function () { resize(false); }, 100); });
  window.addEventListener('beforeprint', function () {
    var d = document.querySelectorAll('details');
    for (var i = 0; i < d.length; i++) d[i].open = true;
    resize(true);
  });
  window.addEventListener('afterprint', function () { resize(false); });
  document.documentElement.setAttribute('data-charts', String(plots.length));
})();`;
