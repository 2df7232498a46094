/*
 * wsarena dashboard: renders the data embedded in index.html with Vega-Lite (vendor/ builds, no
 * network). Every string that comes from a result file is put into the page with textContent or as
 * a Vega data value, never as HTML, so a crafted result file cannot run script here.
 */
(function () {
  'use strict';

  var page = JSON.parse(document.getElementById('wsarena-data').textContent);
  var app = document.getElementById('app');
  /** field -> Set of selected values (as strings) */
  var selected = {};
  /** view id -> picked runId (timeline) */
  var picked = {};
  /** view id -> vega-embed result, finalized before re-rendering */
  var embedded = {};

  var SAFE_HREF = /^(results|images)\/[A-Za-z0-9._-]+$/;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') node.textContent = attrs[k];
        else if (k === 'className') node.className = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    }
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function link(href, text) {
    if (typeof href !== 'string' || !SAFE_HREF.test(href)) return el('span', { text: text });
    return el('a', { href: href, text: text });
  }

  var fmtInt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  function fmtRate(v) {
    return v === null || v === undefined ? '—' : fmtInt.format(v);
  }
  function fmtUs(v) {
    if (v === null || v === undefined) return '—';
    if (v >= 1e6) return (v / 1e6).toFixed(2) + ' s';
    if (v >= 1000) return (v / 1000).toFixed(2) + ' ms';
    return Math.round(v) + ' µs';
  }

  // ---------- filters ----------

  var filterable = page.filters.filter(function (f) {
    return f.values.length > 1;
  });
  page.filters.forEach(function (f) {
    selected[f.field] = new Set(
      f.values.map(function (v) {
        return String(v);
      }),
    );
  });

  function passes(row) {
    for (var i = 0; i < page.filters.length; i++) {
      var f = page.filters[i];
      if (!Object.prototype.hasOwnProperty.call(row, f.field)) continue;
      if (!selected[f.field].has(String(row[f.field]))) return false;
    }
    return true;
  }

  function buildFilters() {
    var box = el('details', { id: 'filters', 'aria-label': 'filters', open: '' }, [el('summary', { text: 'Filters' })]);
    if (filterable.length === 0) {
      box.appendChild(el('p', { className: 'muted', text: 'Every run shares the same server, workload and parameters: nothing to filter.' }));
      return box;
    }
    var groups = el('div', { className: 'filter-groups' });
    filterable.forEach(function (f) {
      var fs = el('fieldset', { 'data-filter': f.field }, [el('legend', { text: f.label })]);
      f.values.forEach(function (v) {
        var input = el('input', { type: 'checkbox', value: String(v) });
        input.checked = true;
        input.addEventListener('change', function () {
          if (input.checked) selected[f.field].add(String(v));
          else selected[f.field].delete(String(v));
          renderAll();
        });
        fs.appendChild(el('label', null, [input, ' ' + String(v)]));
      });
      groups.appendChild(fs);
    });
    box.appendChild(groups);
    var reset = el('button', { type: 'button', id: 'reset-filters', text: 'show everything' });
    reset.addEventListener('click', function () {
      page.filters.forEach(function (f) {
        selected[f.field] = new Set(
          f.values.map(function (v) {
            return String(v);
          }),
        );
      });
      box.querySelectorAll('input[type=checkbox]').forEach(function (i) {
        i.checked = true;
      });
      renderAll();
    });
    box.appendChild(reset);
    return box;
  }

  // ---------- findings ----------

  function buildFindings() {
    var box = el('details', { id: 'findings' }, [
      el('summary', null, [el('h2', { text: 'Findings (' + page.findings.length + ')' })]),
      el('p', {
        className: 'muted',
        text: 'Computed from all results (filters do not change them). A claim is made only with two or more runs per server, 95% CIs apart and no client-bound figure; otherwise the sentence says why not.',
      }),
    ]);
    var list = el('ul', { className: 'findings' });
    page.findings.forEach(function (f) {
      var li = el('li', { className: 'finding', 'data-kind': f.kind }, [
        el('span', { className: 'kind', text: (page.findingLabels[f.kind] || f.kind) + ': ' }),
        el('span', { className: 'statement', text: f.statement }),
      ]);
      f.claims.forEach(function (c) {
        li.appendChild(document.createTextNode(' '));
        var span = el('span', { className: c.supported ? 'claim supported' : 'claim unsupported', text: c.text });
        if (!c.supported) span.setAttribute('title', 'no claim: ' + c.blocker);
        li.appendChild(span);
      });
      list.appendChild(li);
    });
    if (page.findings.length === 0) list.appendChild(el('li', { text: 'No results, so no findings.' }));
    box.appendChild(list);
    return box;
  }

  // ---------- first screen: claims and scorecard ----------

  var SVG_NS = 'http://www.w3.org/2000/svg';
  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (k) {
      node.setAttribute(k, String(attrs[k]));
    });
    return node;
  }

  /** A ratio and its 95% CI on a log axis from 1/4× to 4×, with 1× marked: which side of "no difference" it lies. */
  var RATIO_AXIS = { min: 0.25, max: 4, width: 120, height: 18 };
  function ratioChart(f) {
    var a = RATIO_AXIS;
    var x = function (v) {
      var c = Math.min(a.max, Math.max(a.min, v));
      return ((Math.log(c) - Math.log(a.min)) / (Math.log(a.max) - Math.log(a.min))) * (a.width - 8) + 4;
    };
    var svg = svgEl('svg', { width: a.width, height: a.height, viewBox: '0 0 ' + a.width + ' ' + a.height, class: 'ratio-chart', role: 'img' });
    svg.appendChild(svgEl('line', { x1: 4, x2: a.width - 4, y1: a.height / 2, y2: a.height / 2, stroke: '#d8dee4' }));
    svg.appendChild(svgEl('line', { x1: x(1), x2: x(1), y1: 2, y2: a.height - 2, stroke: '#5d6873', 'stroke-dasharray': '2,2' }));
    if (typeof f.low === 'number' && typeof f.high === 'number') {
      svg.appendChild(svgEl('line', { x1: x(f.low), x2: x(f.high), y1: a.height / 2, y2: a.height / 2, stroke: '#1d2329', 'stroke-width': 2 }));
    }
    svg.appendChild(svgEl('circle', { cx: x(f.value), cy: a.height / 2, r: 4, fill: '#0b5cad' }));
    var title = svgEl('title', {});
    title.textContent = f.text + ' (axis 0.25×–4×, dashed line at 1×)';
    svg.appendChild(title);
    return svg;
  }

  function buildClaims() {
    var claims = page.firstScreen.claims;
    var table = el('table', { className: 'claims' }, [
      el('thead', null, [
        el(
          'tr',
          null,
          ['claim', 'answer', 'decisive figure', ''].map(function (h) {
            return el('th', { text: h });
          }),
        ),
      ]),
    ]);
    var body = el('tbody');
    claims.forEach(function (c) {
      var why = el('details', { className: 'why' }, [el('summary', { text: 'why' }), el('p', { text: c.reason })]);
      if (c.gap) why.appendChild(el('p', { className: 'gap', text: c.gap }));
      if (c.settle) why.appendChild(el('p', null, ['settle it: ', el('code', { text: c.settle })]));
      if (c.conditions.length > 0) why.appendChild(el('p', { className: 'muted', text: 'conditions: ' + c.conditions.join('; ') }));
      var figures = el('td', { className: 'figure' });
      var chart = el('td', { className: 'chart-cell' });
      c.figures.forEach(function (f, i) {
        if (i > 0) figures.appendChild(el('br'));
        figures.appendChild(document.createTextNode(f.text));
        if (f.ratio && chart.childNodes.length === 0) chart.appendChild(ratioChart(f));
      });
      if (c.figures.length === 0) figures.textContent = '—';
      body.appendChild(
        el('tr', { 'data-claim': c.id, 'data-answer': c.answer }, [
          el('td', { className: 'claim-text' }, [el('strong', { text: c.id + ' ' }), c.claim, why]),
          el('td', { className: 'answer a-' + c.answer.replace(/ /g, '-'), text: c.answerText }),
          figures,
          chart,
        ]),
      );
    });
    table.appendChild(body);
    return el('section', { id: 'claims' }, [el('h2', { text: 'Claims' }), table]);
  }

  function buildScorecard() {
    var sc = page.firstScreen.scorecard;
    var box = el('section', { id: 'scorecard' }, [el('h2', { text: 'Scorecard' })]);
    if (sc.rows.length === 0) {
      box.appendChild(el('p', { className: 'muted', text: 'No idle ramp, closed-loop echo on one core or mixed run yet: nothing to score.' }));
      return box;
    }
    var head = el('tr', null, [el('th', { text: 'server' })]);
    sc.columns.forEach(function (c) {
      head.appendChild(
        el('th', { title: c.note, 'data-column': c.id }, [
          c.label,
          el('br'),
          el('span', { className: 'muted', text: (c.at ? c.at + ' · ' : '') + c.better + ' is better' }),
        ]),
      );
    });
    var body = el('tbody');
    sc.rows.forEach(function (r) {
      var tr = el('tr', { 'data-server': r.server }, [el('td', null, [r.server, r.model ? el('span', { className: 'muted', text: ' ' + r.model }) : null])]);
      sc.columns.forEach(function (c) {
        var cell = r.cells[c.id];
        var td = el('td', { className: cell.best ? 'best' : '', 'data-column': c.id }, [cell.best ? '★ ' + cell.text : cell.text]);
        if (cell.note) td.setAttribute('title', cell.note);
        if (cell.detail) td.appendChild(el('span', { className: 'detail', text: ' ' + cell.detail }));
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    box.appendChild(el('div', { className: 'table-wrap' }, [el('table', { className: 'scorecard' }, [el('thead', null, [head]), body])]));
    box.appendChild(
      el('p', {
        className: 'muted small',
        text: '★ best in its column; ▲ client-bound: only a lower bound on the server; hover a figure for its runs and conditions. ' + sc.conditions,
      }),
    );
    sc.pools.forEach(function (p) {
      box.appendChild(el('p', { className: 'pool-note small', 'data-server': p.server, text: p.text }));
    });
    return box;
  }

  // ---------- views ----------

  function buildView(v) {
    var section = el('section', { className: 'view', id: 'view-' + v.id, 'data-view': v.id }, [
      el('h2', { text: v.title }),
      el('p', { className: 'desc', text: v.description }),
    ]);
    if (v.picker === 'run') {
      var select = el('select', { className: 'picker', 'aria-label': 'run' });
      select.addEventListener('change', function () {
        picked[v.id] = select.value;
        renderView(v);
      });
      section.appendChild(el('label', { className: 'picker-label' }, ['run ', select]));
    }
    section.appendChild(el('div', { className: 'chart' }));
    section.appendChild(el('p', { className: 'empty', hidden: 'hidden' }));
    if (v.image) section.appendChild(el('p', { className: 'image-link' }, [link(v.image, 'image file (SVG)')]));
    return section;
  }

  function filteredData(v) {
    var out = {};
    Object.keys(v.data).forEach(function (name) {
      out[name] = v.data[name].filter(passes);
    });
    if (v.picker === 'run') {
      var choices = out.picker || [];
      var ids = choices.map(function (r) {
        return r.runId;
      });
      if (ids.indexOf(picked[v.id]) < 0) picked[v.id] = ids[0];
      Object.keys(out).forEach(function (name) {
        if (name === 'picker') return;
        out[name] = out[name].filter(function (r) {
          return r.runId === picked[v.id];
        });
      });
    }
    return out;
  }

  function fillPicker(section, v, data) {
    var select = section.querySelector('select.picker');
    if (!select) return;
    while (select.firstChild) select.removeChild(select.firstChild);
    (data.picker || []).forEach(function (r) {
      var opt = el('option', { value: r.runId, text: r.label });
      if (r.runId === picked[v.id]) opt.selected = true;
      select.appendChild(opt);
    });
  }

  function renderView(v) {
    var section = document.getElementById('view-' + v.id);
    var chart = section.querySelector('.chart');
    var empty = section.querySelector('.empty');
    if (embedded[v.id]) {
      embedded[v.id].finalize();
      delete embedded[v.id];
    }
    while (chart.firstChild) chart.removeChild(chart.firstChild);
    var data = filteredData(v);
    fillPicker(section, v, data);
    var rows = (data[v.primary] || []).length;
    section.setAttribute('data-rows', String(rows));
    if (rows === 0) {
      var total = (v.data[v.primary] || []).length;
      empty.textContent = total === 0 ? 'No data for this view yet: ' + v.emptyText + '.' : 'No data matches the filters.';
      empty.hidden = false;
      chart.hidden = true;
      section.setAttribute('data-state', total === 0 ? 'no-data' : 'filtered-out');
      return Promise.resolve();
    }
    empty.hidden = true;
    chart.hidden = false;
    var spec = Object.assign({}, v.spec, { datasets: data });
    Object.keys(spec).forEach(function (k) {
      if (spec[k] === undefined || spec[k] === null) delete spec[k];
    });
    section.setAttribute('data-state', 'rendering');
    return vegaEmbed(chart, spec, {
      renderer: 'svg',
      // Filters routinely empty one layer of a chart (Vega then warns about an infinite extent); errors still reach the console.
      logLevel: vega.Error,
      actions: { export: true, source: false, compiled: false, editor: false },
    }).then(
      function (result) {
        embedded[v.id] = result;
        section.setAttribute('data-state', 'rendered');
      },
      function (err) {
        section.setAttribute('data-state', 'error');
        empty.textContent = 'This view failed to render: ' + (err && err.message ? err.message : String(err));
        empty.hidden = false;
        console.error(err);
      },
    );
  }

  // ---------- runs table ----------

  function buildRuns() {
    return el('details', { id: 'runs' }, [
      el('summary', null, [el('h2', { text: 'Runs (' + page.runs.length + ')' })]),
      el('p', {
        className: 'muted',
        text: 'Every cell of every result file, with its verdict and a link to the raw result. Latency is corrected (open loop) or service time (closed loop).',
      }),
      el('div', { className: 'table-wrap' }, [el('table', { className: 'runs' })]),
    ]);
  }

  function renderRuns() {
    var table = document.querySelector('#runs table');
    while (table.firstChild) table.removeChild(table.firstChild);
    var head = [
      'server',
      'workload',
      'conns',
      'load',
      'payload',
      'cpus',
      'repeat',
      'msgs/s',
      'p99',
      'CPU µs/msg',
      'pool per task',
      'verdict',
      'why',
      'raw result',
    ];
    table.appendChild(
      el('thead', null, [
        el(
          'tr',
          null,
          head.map(function (h) {
            return el('th', { text: h });
          }),
        ),
      ]),
    );
    var body = el('tbody');
    page.runs.filter(passes).forEach(function (r) {
      var cells = [
        r.server,
        r.workload,
        String(r.connections),
        r.load,
        r.payload,
        r.serverCpus,
        String(r.repeat),
        fmtRate(r.msgsPerSec),
        fmtUs(r.p99Us) + (r.latencyKind ? ' (' + r.latencyKind + ')' : ''),
        r.cpuUsPerMessage === null ? '—' : r.cpuUsPerMessage.toFixed(2),
        r.pool || '',
      ].map(function (t) {
        return el('td', { text: t });
      });
      cells.push(el('td', { className: 'quality q-' + r.quality, text: r.qualityLabel }));
      cells.push(el('td', { className: 'why', text: r.why }));
      cells.push(el('td', null, [link(r.href, r.setLabel), el('br'), el('span', { className: 'muted', text: r.cellId })]));
      body.appendChild(el('tr', { 'data-quality': r.quality }, cells));
    });
    table.appendChild(body);
  }

  // ---------- provenance ----------

  function buildEnvironment() {
    var box = el('details', { id: 'environment' }, [el('summary', null, [el('h2', { text: 'Environment and provenance' })])]);
    page.sets.forEach(function (s) {
      var e = s.environment;
      var libs = Object.keys(e.libraries)
        .map(function (k) {
          return k + ' ' + e.libraries[k];
        })
        .join(', ');
      var rows = [
        ['result file', null, link(s.href, s.label)],
        ['state', s.kind + ', ' + s.state + ', ' + s.cells + ' cells, created ' + s.createdAt],
        ['command', 'wsarena ' + s.command],
        ['wsarena', s.toolVersion + (s.gitCommit ? ' @ ' + s.gitCommit + (s.gitDirty ? ' (uncommitted changes)' : '') : ' (commit unknown)')],
        ['machine', e.hostname + ': ' + e.cpuModel + ', ' + e.cpuCount + ' CPUs, ' + (e.memTotalBytes / Math.pow(1024, 3)).toFixed(1) + ' GiB'],
        ['system', e.os + ', kernel ' + e.kernel],
        ['versions', 'node ' + e.node + (e.go ? ', ' + e.go : '') + (libs ? ', ' + libs : '')],
        ['pinning', s.pinnings.join(' | ') + (e.tasksetAvailable ? '' : ' (taskset not available)')],
        [
          'limits',
          'ulimit -n ' +
            (e.ulimitNofile.soft === null ? '?' : e.ulimitNofile.soft) +
            ' soft / ' +
            (e.ulimitNofile.hard === null ? '?' : e.ulimitNofile.hard) +
            ' hard; ephemeral ports ' +
            (e.ephemeralPortRange ? e.ephemeralPortRange.join('–') : 'unknown'),
        ],
      ];
      var dl = el('dl', { className: 'provenance', 'data-set': String(s.index) });
      rows.forEach(function (r) {
        dl.appendChild(el('dt', { text: r[0] }));
        dl.appendChild(el('dd', null, [r[2] || document.createTextNode(r[1])]));
      });
      box.appendChild(el('div', { className: 'set' }, [el('h3', { text: s.label }), dl]));
    });
    var v = page.vendor;
    box.appendChild(
      el('p', {
        className: 'muted',
        text:
          'Dashboard generated ' +
          page.generatedAt +
          ' with vega ' +
          v['vega'] +
          ', vega-lite ' +
          v['vega-lite'] +
          ', vega-embed ' +
          v['vega-embed'] +
          ' (bundled in vendor/; no network).',
      }),
    );
    return box;
  }

  // ---------- page ----------

  function renderAll() {
    document.body.setAttribute('data-ready', 'false');
    renderRuns();
    return Promise.all(page.views.map(renderView)).then(function () {
      document.body.setAttribute('data-ready', 'true');
    });
  }

  var legend = el('p', { className: 'legend' }, [
    'Marks: ',
    el('strong', { text: '● server-bound' }),
    ' — a server figure; ',
    el('strong', { text: '◆ inconclusive' }),
    ' — neither side saturated; ',
    el('strong', { className: 'warn', text: '▲ client-bound' }),
    ' — the load generator was the limit, so the figure is only a lower bound on the server; ',
    el('strong', { className: 'bad', text: '✚ failed' }),
    ' — drawn at 0 msgs/s in the throughput view, listed in red in the runs table. Click a point to open its raw result file; hover for its verdict and why.',
  ]);

  app.appendChild(el('header', null, [el('h1', { text: 'wsarena results' }), el('p', { className: 'muted intro', text: page.intro })]));
  app.appendChild(buildClaims());
  app.appendChild(buildScorecard());
  app.appendChild(buildFindings());
  var charts = el('section', { id: 'charts' }, [el('h2', { text: 'Charts' }), buildFilters(), legend]);
  var viewsBox = el('main', { id: 'views' });
  page.views.forEach(function (v) {
    viewsBox.appendChild(buildView(v));
  });
  charts.appendChild(viewsBox);
  app.appendChild(charts);
  app.appendChild(buildRuns());
  app.appendChild(buildEnvironment());
  renderAll();
})();
