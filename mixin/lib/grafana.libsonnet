// The few Grafana dashboard pieces the slokeeper mixin needs, in plain jsonnet: the mixin depends on nothing, not
// even grafonnet. Targets Grafana 10 and later (dashboard schema 39).
//
// Panels take their width and height from `width`/`height` arguments; grid() places them left to right in
// rows of 24 columns and numbers them. Every panel queries the dashboard's `datasource` variable.
{
  local datasource = { type: 'prometheus', uid: '${datasource}' },

  // thresholds([[null, 'red'], [0, 'orange'], [0.25, 'green']]): colour steps, each from its value up.
  thresholds(steps):: {
    mode: 'absolute',
    steps: [{ value: s[0], color: s[1] } for s in steps],
  },

  // valueMappings({ '0': ['ok', 'green'], '1': ['firing', 'red'] }): exact values shown as text in a colour.
  valueMappings(values)::
    local keys = std.objectFields(values);
    [{
      type: 'value',
      options: {
        [keys[i]]: { text: values[keys[i]][0], color: values[keys[i]][1], index: i }
        for i in std.range(0, std.length(keys) - 1)
      },
    }],

  // rangeMapping(from, to, text, colour): values from..to (null: unbounded) shown as text.
  rangeMapping(from, to, text, color=null):: {
    type: 'range',
    options: { from: from, to: to, result: { text: text } + (if color == null then {} else { color: color }) },
  },

  // target: one PromQL query. Instant queries feed stat, bar gauge and table panels (table=true gives one row
  // per series); range queries feed graphs.
  target(expr, legend='', instant=false, table=false):: {
    datasource: datasource,
    expr: expr,
    legendFormat: legend,
    instant: instant,
    range: !instant,
    format: if table then 'table' else 'time_series',
  },

  // override(name, props): field properties for the field (series or column) named name; regex=true matches
  // the names by a regular expression instead.
  override(name, props, regex=false):: {
    matcher: { id: if regex then 'byRegexp' else 'byName', options: name },
    properties: [{ id: k, value: props[k] } for k in std.objectFields(props)],
  },

  // dashed: the properties of a dashed, thicker line (e.g. a reference series drawn over others).
  dashed(color=null):: {
    'custom.lineStyle': { fill: 'dash', dash: [10, 10] },
    'custom.lineWidth': 2,
  } + (if color == null then {} else { color: { mode: 'fixed', fixedColor: color } }),

  local panel(type, title, description, targets, width, height) = {
    type: type,
    title: title,
    description: description,
    datasource: datasource,
    targets: [
      targets[i] { refId: std.char(std.codepoint('A') + i) }
      for i in std.range(0, std.length(targets) - 1)
    ],
    width:: width,
    height:: height,
  },

  local fieldDefaults(unit, thresholds, mappings, extra) = {
    fieldConfig: {
      defaults: {
        unit: unit,
        thresholds: thresholds,
        mappings: mappings,
      } + extra,
      overrides: [],
    },
  },

  local greenOnly = [[null, 'green']],

  stat(title, description, targets, unit, width=4, height=4, steps=greenOnly, mappings=[], decimals=null, colorMode='value')::
    panel('stat', title, description, targets, width, height)
    + fieldDefaults(unit, $.thresholds(steps), mappings, {
      color: { mode: 'thresholds' },
      [if decimals != null then 'decimals']: decimals,
    })
    + {
      options: {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: colorMode,
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
      },
    },

  timeseries(title, description, targets, unit, width=12, height=8, steps=greenOnly, thresholdsStyle='off', min=null, max=null, overrides=[], timeFrom=null)::
    panel('timeseries', title, description, targets, width, height)
    + fieldDefaults(unit, $.thresholds(steps), [], {
      color: { mode: 'palette-classic' },
      [if min != null then 'min']: min,
      [if max != null then 'max']: max,
      custom: {
        drawStyle: 'line',
        lineWidth: 1,
        fillOpacity: 0,
        showPoints: 'never',
        spanNulls: false,
        thresholdsStyle: { mode: thresholdsStyle },
      },
    })
    + {
      fieldConfig+: { overrides: overrides },
      [if timeFrom != null then 'timeFrom']: timeFrom,
      options: {
        legend: { showLegend: true, displayMode: 'table', placement: 'right', calcs: ['lastNotNull', 'max'] },
        tooltip: { mode: 'multi', sort: 'desc' },
      },
    },

  // stateTimeline: one row per series, coloured by value mappings.
  stateTimeline(title, description, targets, mappings, width=12, height=6, overrides=[])::
    panel('state-timeline', title, description, targets, width, height)
    + fieldDefaults('none', $.thresholds(greenOnly), mappings, {
      color: { mode: 'thresholds' },
      custom: { lineWidth: 0, fillOpacity: 80 },
    })
    + {
      fieldConfig+: { overrides: overrides },
      options: {
        mergeValues: true,
        showValue: 'auto',
        alignValue: 'left',
        rowHeight: 0.9,
        legend: { showLegend: false },
        tooltip: { mode: 'single', sort: 'none' },
      },
    },

  barGauge(title, description, targets, unit, width=8, height=8, steps=greenOnly, min=null, max=null)::
    panel('bargauge', title, description, targets, width, height)
    + fieldDefaults(unit, $.thresholds(steps), [], {
      color: { mode: 'thresholds' },
      [if min != null then 'min']: min,
      [if max != null then 'max']: max,
    })
    + {
      options: {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        orientation: 'horizontal',
        displayMode: 'gradient',
        valueMode: 'color',
        showUnfilled: true,
        namePlacement: 'left',
        sizing: 'auto',
      },
    },

  // table: instant queries merged into one row per series (the label sets of all queries must agree), the
  // value columns renamed by `columns` (refId → title) and laid out after the label columns `first`.
  table(title, description, targets, columns, first, hidden=[], sortBy=null, overrides=[], width=24, height=10)::
    local refIds = [std.char(std.codepoint('A') + i) for i in std.range(0, std.length(targets) - 1)];
    local valueNames = ['Value #' + r for r in refIds];
    panel('table', title, description, targets, width, height)
    + fieldDefaults('none', $.thresholds(greenOnly), [], {
      custom: { align: 'auto', cellOptions: { type: 'auto' }, filterable: true },
    })
    + {
      fieldConfig+: { overrides: overrides },
      options: {
        showHeader: true,
        cellHeight: 'sm',
        footer: { show: false, reducer: ['sum'], fields: '' },
        sortBy: if sortBy == null then [] else [{ displayName: sortBy[0], desc: sortBy[1] }],
      },
      transformations: [
        { id: 'merge', options: {} },
        {
          id: 'organize',
          options: {
            excludeByName: { [n]: true for n in ['Time'] + hidden },
            indexByName: {
              [first[i]]: i
              for i in std.range(0, std.length(first) - 1)
            } + {
              [valueNames[i]]: std.length(first) + i
              for i in std.range(0, std.length(valueNames) - 1)
            },
            renameByName: {
              [valueNames[i]]: columns[refIds[i]]
              for i in std.range(0, std.length(refIds) - 1)
            },
          },
        },
      ],
    },

  text(title, description, content, width=8, height=6):: {
    type: 'text',
    title: title,
    description: description,
    options: { mode: 'markdown', content: content },
    width:: width,
    height:: height,
  },

  // row(title): a full-width row header; repeat names a variable to repeat the row (and its panels) by.
  row(title, repeat=null):: {
    type: 'row',
    title: title,
    collapsed: false,
    panels: [],
    [if repeat != null then 'repeat']: repeat,
    width:: 24,
    height:: 1,
  },

  // grid(panels): place the panels left to right, wrapping at 24 columns (a row header always starts a new
  // line), and number them from 1.
  grid(panels)::
    local place(state, p) =
      local wraps = state.x + p.width > 24 || p.type == 'row' && state.x > 0;
      local x = if wraps then 0 else state.x;
      local y = if wraps then state.y + state.lineHeight else state.y;
      local lineHeight = if wraps then p.height else std.max(state.lineHeight, p.height);
      {
        x: x + p.width,
        y: y,
        lineHeight: lineHeight,
        panels: state.panels + [p { id: std.length(state.panels) + 1, gridPos: { x: x, y: y, w: p.width, h: p.height } }],
      };
    std.foldl(place, panels, { x: 0, y: 0, lineHeight: 0, panels: [] }).panels,

  variable: {
    datasource():: {
      name: 'datasource',
      label: 'Data source',
      type: 'datasource',
      query: 'prometheus',
      current: {},
      hide: 0,
      refresh: 1,
      regex: '',
      includeAll: false,
      multi: false,
      options: [],
    },

    // labelValues: the values of labelName on the series selector selects, reloaded with the time range.
    labelValues(name, label, selector, labelName, multi=true, description=''):: {
      local query = 'label_values(%s, %s)' % [selector, labelName],
      name: name,
      label: label,
      description: description,
      type: 'query',
      datasource: datasource,
      query: query,
      definition: query,
      current: {},
      hide: 0,
      refresh: 2,
      regex: '',
      sort: 1,
      multi: multi,
      includeAll: multi,
      [if multi then 'allValue']: '.*',
      options: [],
    },

    // custom: a fixed list of values, all selected by default.
    custom(name, label, values, description=''):: {
      name: name,
      label: label,
      description: description,
      type: 'custom',
      query: std.join(',', values),
      current: { selected: true, text: ['All'], value: ['$__all'] },
      hide: 0,
      multi: true,
      includeAll: true,
      allValue: std.join('|', values),
      options: [{ selected: true, text: 'All', value: '$__all' }] + [{ selected: false, text: v, value: v } for v in values],
    },
  },

  // dashboard: the dashboard around grid-placed panels, linking to the other dashboards of the same tags.
  dashboard(uid, title, description, tags, variables, panels, time='now-24h', refresh='1m', timezone='utc'):: {
    uid: uid,
    title: title,
    description: description,
    tags: tags,
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    timezone: timezone,
    refresh: refresh,
    time: { from: time, to: 'now' },
    timepicker: {},
    fiscalYearStartMonth: 0,
    liveNow: false,
    annotations: {
      list: [{
        builtIn: 1,
        datasource: { type: 'grafana', uid: '-- Grafana --' },
        enable: true,
        hide: true,
        iconColor: 'rgba(0, 211, 255, 1)',
        name: 'Annotations & Alerts',
        type: 'dashboard',
      }],
    },
    links: [{
      title: 'slokeeper dashboards',
      type: 'dashboards',
      tags: tags,
      asDropdown: true,
      includeVars: true,
      keepTime: true,
      targetBlank: false,
      icon: 'external link',
      tooltip: '',
      url: '',
    }],
    templating: { list: variables },
    panels: $.grid(panels),
  },
}
