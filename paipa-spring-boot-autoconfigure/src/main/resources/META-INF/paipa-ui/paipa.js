// The live pipeline page: reads the paipa endpoint every second and draws each pipeline.
// Plain JavaScript, no build step and nothing fetched from elsewhere, so it works offline.
(function () {
  'use strict';

  var POLL_MS = 1000;
  var WINDOW_MS = 5 * 60 * 1000; // what the charts show
  var RECENT_MS = 10 * 1000; // the window of "recent" handler time
  var SVG = 'http://www.w3.org/2000/svg';

  var main = document.getElementById('pipelines');
  var statusLine = document.getElementById('status');
  var login = document.getElementById('login');
  var settings = null;
  var views = {};
  var authorization = null; // 'Basic ...' once the user signed in here; this tab only
  var pending = null; // the rescale that waits for a login

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function fmt(n) {
    return Number(n).toLocaleString('en-US', { maximumFractionDigits: 0 });
  }

  function rate(n) {
    return n < 10 ? Number(n).toFixed(1) : fmt(n);
  }

  function seconds(s) {
    if (s < 1) {
      return Math.round(s * 1000) + ' ms';
    }
    return s < 120 ? Math.round(s) + ' s' : Math.round(s / 60) + ' min';
  }

  function millis(ms) {
    return ms < 10 ? ms.toFixed(2) + ' ms' : fmt(ms) + ' ms';
  }

  function setText(node, text) {
    if (node.textContent !== text) {
      node.textContent = text;
    }
  }

  function say(text) {
    setText(statusLine, text);
  }

  // ---- reading

  function start() {
    fetch('settings.json', { cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('settings.json answered ' + response.status);
        }
        return response.json();
      })
      .then(function (loaded) {
        settings = loaded;
        if (!settings.endpoint) {
          say(settings.problem);
          return;
        }
        setText(document.getElementById('about'), 'Read from ' + settings.endpoint + ' every second. '
          + (settings.write ? 'Rescaling is allowed: + and \u2212 change a step\'s workers. '
            : 'Rescaling is off: the endpoint\'s access is read-only (management.endpoint.paipa.access). ')
          + 'Rates and charts are worked out in this page from the counts it has read since it was opened.');
        poll();
      })
      .catch(function (error) {
        say('Cannot start: ' + error.message);
      });
  }

  function poll() {
    fetch(settings.endpoint, { cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(settings.endpoint + ' answered ' + response.status);
        }
        return response.json();
      })
      .then(function (all) {
        render(all, Date.now());
        say('Live, read at ' + new Date().toLocaleTimeString('en-GB'));
      })
      .catch(function (error) {
        say('Cannot read the pipelines (' + error.message + '); trying again every second.');
      })
      .then(function () {
        setTimeout(poll, POLL_MS);
      });
  }

  function render(all, now) {
    var names = Object.keys(all);
    Object.keys(views).forEach(function (name) {
      if (names.indexOf(name) < 0) {
        views[name].section.remove();
        delete views[name];
      }
    });
    names.forEach(function (name, index) {
      var view = views[name] || (views[name] = pipelineView(name));
      if (main.children[index] !== view.section) {
        // in the endpoint's order; moved only when out of place, so that focus stays
        main.insertBefore(view.section, main.children[index] || null);
      }
      update(view, all[name], now, true);
    });
    if (!names.length) {
      say('No pipelines.');
    }
  }

  // ---- a pipeline

  function pipelineView(name) {
    var section = el('section', 'pipeline');
    section.dataset.pipeline = name;
    var heading = el('h2');
    var state = el('span', 'state');
    heading.append(el('span', 'title', name), ' ', state);
    var view = {
      name: name, section: section, state: state, totals: el('p', 'totals'), error: el('p', 'error'),
      message: el('p', 'message'), flow: el('ol', 'flow'), details: el('div', 'details'), stepsKey: '',
      steps: {}, selected: null
    };
    view.error.hidden = true;
    view.message.hidden = true;
    view.message.setAttribute('role', 'status');
    view.details.hidden = true;
    view.details.setAttribute('role', 'region');
    section.append(heading, view.totals, view.error, view.message, view.flow, view.details);
    return view;
  }

  function update(view, pipeline, now, sample) {
    var running = pipeline.state === 'RUNNING' || pipeline.state === 'DRAINING';
    setText(view.state, pipeline.state.toLowerCase());
    view.state.dataset.state = pipeline.state;
    view.section.classList.toggle('failed', pipeline.state === 'FAILED');
    setText(view.totals, 'in ' + fmt(pipeline.in) + ' \u00b7 completed ' + fmt(pipeline.completed)
      + ' \u00b7 dropped ' + fmt(pipeline.dropped) + ' \u00b7 dead-lettered ' + fmt(pipeline.deadLettered)
      + ' \u00b7 abandoned ' + fmt(pipeline.abandoned)
      + (pipeline.bottleneck ? ' \u00b7 bottleneck: ' + pipeline.bottleneck : ''));
    view.error.hidden = !pipeline.lastError;
    view.error.classList.toggle('fatal', pipeline.state === 'FAILED');
    if (pipeline.lastError) {
      setText(view.error, (pipeline.state === 'FAILED' ? 'Failed: ' : 'Last error: ') + pipeline.lastError);
    }
    var key = pipeline.steps.map(function (step) { return step.name; }).join('|');
    if (key !== view.stepsKey) {
      view.flow.textContent = '';
      view.steps = {};
      pipeline.steps.forEach(function (step) {
        view.steps[step.name] = stepView(view, step.name);
        view.flow.appendChild(view.steps[step.name].li);
      });
      view.stepsKey = key;
    }
    pipeline.steps.forEach(function (step) {
      updateStep(view, view.steps[step.name], step, now, sample, running);
    });
    if (view.selected && !view.steps[view.selected]) {
      select(view, null);
    }
    if (view.selected) {
      details(view, view.steps[view.selected]);
    }
  }

  // ---- a step: its queue, its box, its chart

  function stepView(view, name) {
    var sv = { li: el('li', 'stage'), samples: [], configured: 0, flagsKey: '', busy: false };
    sv.li.dataset.step = name;
    sv.queue = el('div', 'queue');
    sv.queueLabel = el('span', 'queue-label');
    sv.bar = el('div', 'bar');
    sv.bar.setAttribute('role', 'progressbar');
    sv.bar.setAttribute('aria-valuemin', '0');
    sv.bar.setAttribute('aria-label', 'queue before ' + name);
    sv.fill = el('span', 'fill');
    sv.bar.appendChild(sv.fill);
    sv.queue.append(sv.queueLabel, sv.bar);

    sv.box = el('div', 'step');
    var heading = el('h3');
    sv.button = el('button', 'name', name);
    sv.button.type = 'button';
    sv.button.setAttribute('aria-expanded', 'false');
    sv.button.title = 'Details of ' + name;
    sv.button.addEventListener('click', function () {
      select(view, view.selected === name ? null : name);
    });
    heading.appendChild(sv.button);
    sv.flags = el('p', 'flags');
    var figures = el('dl', 'figures');
    sv.fields = {};
    [['workers', 'workers'], ['in', 'in/s'], ['out', 'out/s'], ['utilization', 'utilization'],
      ['dead', 'dead letters'], ['restarts', 'restarts']].forEach(function (pair) {
      var row = el('div');
      sv.fields[pair[0]] = el('dd', pair[0]);
      row.append(el('dt', null, pair[1]), sv.fields[pair[0]]);
      figures.appendChild(row);
    });
    sv.box.append(heading, sv.flags, figures);
    if (settings.write) {
      var scale = el('p', 'scale');
      sv.minus = el('button', 'minus', '\u2212');
      sv.plus = el('button', 'plus', '+');
      [[sv.minus, -1, 'One worker fewer for '], [sv.plus, 1, 'One worker more for ']].forEach(function (b) {
        b[0].type = 'button';
        b[0].setAttribute('aria-label', b[2] + name);
        b[0].title = b[2] + name;
        b[0].addEventListener('click', function () {
          send({ view: view, sv: sv, step: name, workers: sv.configured + b[1] });
        });
      });
      scale.append(sv.minus, ' workers ', sv.plus);
      sv.box.appendChild(scale);
    }
    sv.chart = document.createElementNS(SVG, 'svg');
    sv.chart.setAttribute('class', 'chart');
    sv.chart.setAttribute('viewBox', '0 0 300 40');
    sv.chart.setAttribute('preserveAspectRatio', 'none');
    sv.chart.setAttribute('role', 'img');
    sv.line = document.createElementNS(SVG, 'polyline');
    sv.chart.appendChild(sv.line);
    sv.peak = el('p', 'peak');
    sv.box.append(sv.chart, sv.peak);
    sv.li.append(sv.queue, sv.box);
    return sv;
  }

  function updateStep(view, sv, step, now, sample, running) {
    var queue = step.queue;
    var workers = step.workers;
    sv.configured = workers.configured;
    sv.step = step;
    setText(sv.queueLabel, 'queue ' + fmt(queue.depth) + ' / ' + fmt(queue.capacity));
    sv.fill.style.width = (queue.capacity ? Math.min(100, 100 * queue.depth / queue.capacity) : 0) + '%';
    sv.bar.setAttribute('aria-valuemax', String(queue.capacity));
    sv.bar.setAttribute('aria-valuenow', String(queue.depth));
    sv.queue.classList.toggle('full', queue.depth >= queue.capacity);
    sv.queue.dataset.depth = queue.depth;
    sv.queue.dataset.capacity = queue.capacity;

    if (sample) {
      var counts = step.counts;
      sv.samples.push({
        t: now, in: counts.in, done: counts.processed + counts.dropped, out: counts.emitted,
        handler: step.handlerSeconds
      });
      while (sv.samples.length > 2 && now - sv.samples[1].t > WINDOW_MS) {
        sv.samples.shift();
      }
    }
    var last = sv.samples[sv.samples.length - 1];
    var before = sv.samples[sv.samples.length - 2];
    var inRate = before ? perSecond(before, last, 'in') : null;
    var outRate = before ? perSecond(before, last, 'out') : null;

    setText(sv.fields.workers, workers.alive + ' alive \u00b7 ' + workers.busy + ' busy \u00b7 '
      + workers.configured + ' configured');
    sv.fields.workers.dataset.configured = workers.configured;
    sv.fields.workers.dataset.alive = workers.alive;
    setText(sv.fields.in, inRate === null ? '\u2013' : rate(inRate));
    setText(sv.fields.out, outRate === null ? '\u2013' : rate(outRate));
    sv.fields.in.dataset.value = inRate === null ? '' : inRate;
    sv.fields.out.dataset.value = outRate === null ? '' : outRate;
    setText(sv.fields.utilization, Math.round(step.utilization * 100) + ' %');
    setText(sv.fields.dead, fmt(step.counts.deadLettered));
    setText(sv.fields.restarts, fmt(step.restarts));

    var flags = [];
    if (step.bottleneck) {
      flags.push(['bottleneck', 'bottleneck']);
    }
    if (step.stalled) {
      flags.push(['stalled', 'stalled: busy ' + seconds(step.longestBusySeconds) + ' on one item']);
    }
    if (step.outage) {
      flags.push(['outage', 'outage' + (step.outage.error ? ': ' + step.outage.error : '')]);
    }
    if (running && workers.alive === 0 && workers.configured > 0 && !step.stalled) {
      flags.push(['idle', 'no live worker']);
    }
    var flagsKey = flags.map(function (f) { return f[1]; }).join('|');
    if (flagsKey !== sv.flagsKey) {
      sv.flags.textContent = '';
      flags.forEach(function (f) {
        sv.flags.appendChild(el('span', 'flag ' + f[0], f[1]));
      });
      sv.flagsKey = flagsKey;
    }
    sv.box.classList.toggle('bottleneck', step.bottleneck);
    sv.box.classList.toggle('stalled', step.stalled);
    sv.box.classList.toggle('outage', !!step.outage);
    if (sv.minus) {
      sv.minus.disabled = sv.busy || workers.configured <= 1;
      sv.plus.disabled = sv.busy;
    }
    chart(sv, now);
  }

  function perSecond(from, to, field) {
    var ms = to.t - from.t;
    return ms > 0 ? Math.max(0, to[field] - from[field]) * 1000 / ms : 0;
  }

  function chart(sv, now) {
    var points = [];
    var peak = 0;
    var rates = [];
    for (var i = 1; i < sv.samples.length; i++) {
      var r = perSecond(sv.samples[i - 1], sv.samples[i], 'done');
      rates.push([sv.samples[i].t, r]);
      peak = Math.max(peak, r);
    }
    var scale = Math.max(peak, 1);
    // the last five minutes, or what the page has seen of them (at least one)
    var span = sv.samples.length ? Math.min(WINDOW_MS, Math.max(60000, now - sv.samples[0].t)) : WINDOW_MS;
    rates.forEach(function (p) {
      var x = 300 - (now - p[0]) * 300 / span;
      points.push(x.toFixed(1) + ',' + (38 - p[1] * 36 / scale).toFixed(1));
    });
    sv.line.setAttribute('points', points.join(' '));
    sv.chart.dataset.peak = peak;
    sv.chart.dataset.points = points.length;
    var minutes = Math.round(span / 60000);
    var text = 'processed/s, last ' + minutes + ' min: peak ' + rate(peak);
    sv.chart.setAttribute('aria-label', sv.button.textContent + ': items processed per second over the last '
      + minutes + ' min, peak ' + rate(peak));
    setText(sv.peak, text);
  }

  // ---- details of one step

  function select(view, name) {
    Object.keys(view.steps).forEach(function (n) {
      view.steps[n].button.setAttribute('aria-expanded', String(n === name));
      view.steps[n].box.classList.toggle('selected', n === name);
    });
    view.selected = name;
    view.details.hidden = !name;
    if (name) {
      details(view, view.steps[name]);
    }
  }

  function details(view, sv) {
    var step = sv.step;
    if (!view.details.firstChild) {
      var heading = el('h3');
      var close = el('button', 'close', 'Close');
      close.type = 'button';
      close.addEventListener('click', function () {
        var name = view.selected;
        select(view, null);
        if (name && view.steps[name]) {
          view.steps[name].button.focus();
        }
      });
      view.details.append(heading, el('dl'), close);
    }
    setText(view.details.querySelector('h3'), 'Step ' + step.name);
    view.details.setAttribute('aria-label', 'Details of step ' + step.name);
    var list = view.details.querySelector('dl');
    list.textContent = '';
    var done = step.counts.processed + step.counts.dropped;
    var last = sv.samples[sv.samples.length - 1];
    var base = sv.samples.filter(function (s) { return last.t - s.t >= RECENT_MS; }).pop() || sv.samples[0];
    var recent = last && last.done > base.done ? (last.handler - base.handler) * 1000 / (last.done - base.done) : null;
    var handler = step.handlerSeconds > 0 && done > 0
      ? millis(step.handlerSeconds * 1000 / done) + ' per item overall'
        + (recent !== null ? ', ' + millis(recent) + ' in the last 10 s' : '')
      : (step.kind === 'STREAM' ? 'none recorded (a stream step sees no single item)' : 'none yet');
    var options = Object.keys(step.options || {}).map(function (k) { return k + ' = ' + step.options[k]; });
    var c = step.counts;
    [['kind', step.kind.toLowerCase().replace(/_/g, '-')],
      ['takes', step.inputType],
      ['emits', step.outputType],
      ['options', options.length ? options.join(', ') : 'none'],
      ['handler time', handler],
      ['busiest worker', step.longestBusySeconds > 0 ? 'on its item for ' + seconds(step.longestBusySeconds)
        : 'idle'],
      ['queue', fmt(step.queue.depth) + ' of ' + fmt(step.queue.capacity)],
      ['workers', step.workers.alive + ' alive, ' + step.workers.busy + ' busy, ' + step.workers.configured
        + ' configured'],
      ['counts', 'in ' + fmt(c.in) + ', processed ' + fmt(c.processed) + ', dropped ' + fmt(c.dropped)
        + ', retried ' + fmt(c.retried) + ', failed ' + fmt(c.failed) + ', dead-lettered ' + fmt(c.deadLettered)
        + ', abandoned ' + fmt(c.abandoned) + ', emitted ' + fmt(c.emitted)],
      ['utilization', Math.round(step.utilization * 100) + ' %'],
      ['restarts', fmt(step.restarts)]].forEach(function (row) {
      var item = el('div');
      item.dataset.field = row[0];
      item.append(el('dt', null, row[0]), el('dd', null, row[1]));
      list.appendChild(item);
    });
  }

  // ---- rescaling

  function tell(view, text, refused) {
    view.message.hidden = false;
    view.message.classList.toggle('refused', !!refused);
    setText(view.message, text);
  }

  function cookie(name) {
    var match = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return match ? decodeURIComponent(match[1]) : null;
  }

  function busy(action, on) {
    action.sv.busy = on;
    if (action.sv.minus) {
      action.sv.minus.disabled = on || action.sv.configured <= 1;
      action.sv.plus.disabled = on;
    }
  }

  function send(action) {
    var headers = { 'Content-Type': 'application/json', Accept: 'application/json',
      // asks Spring Security for a plain 401 rather than the browser's own login prompt
      'X-Requested-With': 'XMLHttpRequest' };
    if (authorization) {
      headers.Authorization = authorization;
    }
    var xsrf = cookie('XSRF-TOKEN');
    if (xsrf) {
      headers['X-XSRF-TOKEN'] = xsrf;
    }
    busy(action, true);
    tell(action.view, 'Asking for ' + action.workers + ' workers for ' + action.step + '\u2026');
    fetch(settings.endpoint + '/' + encodeURIComponent(action.view.name), {
      method: 'POST', headers: headers, cache: 'no-store', redirect: 'manual',
      body: JSON.stringify({ step: action.step, workers: action.workers })
    }).then(function (response) {
      if (response.type === 'opaqueredirect') {
        tell(action.view, 'Refused: the application sent this request to its login page. Sign in to the '
          + 'application in this browser, then try again.', true);
        return null;
      }
      if (response.status === 401) {
        pending = action;
        ask(authorization ? 'The user or password was not accepted.' : '');
        tell(action.view, 'Rescaling needs a login: see above.', true);
        return null;
      }
      return response.text().then(function (body) {
        var json = null;
        try {
          json = JSON.parse(body);
        } catch (ignored) {
          // not JSON: shown as it is
        }
        if (response.ok && json && json.steps) {
          update(action.view, json, Date.now(), false);
          tell(action.view, 'Step ' + action.step + ' now has ' + action.workers + ' workers configured.');
        } else {
          tell(action.view, 'Refused (' + response.status + '): '
            + (json && json.message ? json.message : body || response.statusText), true);
        }
      });
    }).catch(function (error) {
      tell(action.view, 'The rescale request failed: ' + error.message, true);
    }).then(function () {
      busy(action, false);
    });
  }

  function ask(problem) {
    setText(login.querySelector('.login-error'), problem);
    login.hidden = false;
    login.elements.user.focus();
  }

  function base64(text) {
    var bytes = new TextEncoder().encode(text);
    var binary = '';
    bytes.forEach(function (b) { binary += String.fromCharCode(b); });
    return btoa(binary);
  }

  login.addEventListener('submit', function (event) {
    event.preventDefault();
    authorization = 'Basic ' + base64(login.elements.user.value + ':' + login.elements.password.value);
    login.elements.password.value = '';
    login.hidden = true;
    var action = pending;
    pending = null;
    if (action) {
      send(action);
    }
  });

  login.querySelector('.cancel').addEventListener('click', function () {
    login.hidden = true;
    if (pending) {
      tell(pending.view, 'Not rescaled: no login.', true);
      pending = null;
    }
  });

  start();
}());
