// Real-browser test of the profile UI: headless Debian chromium, driven over
// the Chrome DevTools Protocol, loads the page from ui_fixture_server (known
// content), selects a time range and a label, and checks that the flame graph
// and the top table show the fixture's function. Saves screenshots.
//
// node browser_test.js <chromium> <ui_fixture_server> <artifact dir>
// (the `ws` package must be resolvable: NODE_PATH=<dir>/node_modules)
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const WebSocket = require('ws');

const [chromiumPath, fixturePath, artifactDir] = process.argv.slice(2);
const children = [];
let failures = 0;

function check(ok, what) {
  console.log((ok ? 'ok   ' : 'FAIL ') + what);
  if (!ok) failures++;
}

function lineFrom(stream, pattern, timeoutMs) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('timed out waiting for ' + pattern)), timeoutMs);
    stream.on('data', (d) => {
      buf += d.toString();
      const m = buf.match(pattern);
      if (m) { clearTimeout(timer); resolve(m); }
    });
  });
}

function getJson(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

class Cdp {
  constructor(ws) {
    this.ws = ws; this.id = 0; this.pending = new Map();
    ws.on('message', (m) => {
      const msg = JSON.parse(m.toString());
      if (msg.id && this.pending.has(msg.id)) {
        const { resolve, reject } = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        msg.error ? reject(new Error(JSON.stringify(msg.error))) : resolve(msg.result);
      }
    });
  }
  send(method, params = {}) {
    const id = ++this.id;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
  async eval(expr) {
    const r = await this.send('Runtime.evaluate', { expression: expr, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error('page error: ' + JSON.stringify(r.exceptionDetails));
    return r.result.value;
  }
  async waitFor(expr, timeoutMs = 15000) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (await this.eval(expr)) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('timed out waiting for ' + expr);
  }
  async screenshot(name) {
    const { data } = await this.send('Page.captureScreenshot', { format: 'png' });
    const file = path.join(artifactDir, name);
    fs.writeFileSync(file, Buffer.from(data, 'base64'));
    console.log('screenshot ' + file);
  }
  async mouse(type, x, y) {
    await this.send('Input.dispatchMouseEvent', { type, x, y, button: 'left', clickCount: 1 });
  }
}

async function startFixture() {
  const server = spawn(fixturePath, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(server);
  const m = await lineFrom(server.stdout, /port (\d+)/, 10000);
  return Number(m[1]);
}

async function startChromium() {
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksight-chromium-'));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--user-data-dir=' + profileDir, '--remote-debugging-port=0', '--window-size=1400,1000',
    'about:blank'];
  const browser = spawn(chromiumPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(browser);
  browser.profileDir = profileDir;
  const m = await lineFrom(browser.stderr, /DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//, 30000);
  const targets = await getJson(`http://127.0.0.1:${m[1]}/json/list`);
  const page = targets.find((t) => t.type === 'page');
  const ws = new WebSocket(page.webSocketDebuggerUrl, { perMessageDeflate: false });
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  return { browser, cdp: new Cdp(ws), ws };
}

// Center of the first drawn frame named `name`, in page coordinates.
async function frameCenter(cdp, name) {
  return cdp.eval(`(() => {
    const r = document.getElementById('flame').getBoundingClientRect();
    const f = ksightUi.state.frames.find((f) => f.n.n === ${JSON.stringify(name)});
    if (!f) return null;
    return { x: r.left + (f.x + f.w / 2) * r.width, y: r.top + f.d * 18 + 9 };
  })()`);
}

async function run() {
  fs.mkdirSync(artifactDir, { recursive: true });
  const port = await startFixture();
  const { cdp, ws } = await startChromium();
  await cdp.send('Page.enable');
  await cdp.send('Runtime.enable');
  await cdp.send('Emulation.setDeviceMetricsOverride', { width: 1400, height: 1000, deviceScaleFactor: 1, mobile: false });
  await cdp.send('Page.navigate', { url: `http://127.0.0.1:${port}/` });
  await cdp.waitFor(`document.body && document.body.dataset.state === 'ready' && !!window.ksightDrawnFrames`);
  const first = await cdp.eval('window.ksightDrawnFrames');
  check(first.includes('app_hot_function') && first.includes('db_scan_rows'), 'initial view shows both processes');

  // Select windows 2..5 (a 40 s range) and comm=app, then query.
  await cdp.eval(`(() => {
    const from = document.getElementById('from'), to = document.getElementById('to');
    from.value = from.options[2].value; to.value = to.options[5].value;
    const comm = document.getElementById('label-comm');
    comm.value = 'app'; comm.dispatchEvent(new Event('change'));
    document.body.dataset.state = 'loading';
    document.getElementById('query').click();
    return true;
  })()`);
  await cdp.waitFor(`document.body.dataset.state === 'ready' && document.getElementById('summary').textContent.includes('total')`);
  const frames = await cdp.eval('window.ksightDrawnFrames');
  check(frames.includes('app_hot_function'), 'flame graph shows app_hot_function');
  check(!frames.includes('db_scan_rows'), 'label filter removed the db process');
  const summary = await cdp.eval(`document.getElementById('summary').textContent`);
  check(summary.includes('total 40'), 'range of 4 windows totals 40 samples: ' + summary);
  const topText = await cdp.eval(`document.querySelector('#top tbody').textContent`);
  check(topText.includes('app_hot_function'), 'top table lists app_hot_function');
  await cdp.screenshot('ui_browser_flame.png');

  // Hover shows a tooltip; click zooms.
  const c = await frameCenter(cdp, 'app_hot_function');
  check(!!c, 'app_hot_function is laid out');
  if (c) {
    await cdp.mouse('mouseMoved', c.x, c.y);
    await cdp.waitFor(`!document.getElementById('tooltip').hidden`, 3000).catch(() => false);
    const tip = await cdp.eval(`document.getElementById('tooltip').textContent`);
    check(tip.includes('app_hot_function') && tip.includes('80.00%'), 'tooltip: ' + tip);
    const run = await frameCenter(cdp, 'run_loop');
    await cdp.mouse('mousePressed', run.x, run.y);
    await cdp.mouse('mouseReleased', run.x, run.y);
    const zoom = await cdp.eval('ksightUi.state.zoom.n');
    check(zoom === 'run_loop', 'click zooms into run_loop');
  }

  // Search highlights and sums matches.
  await cdp.eval(`(() => { const s = document.getElementById('search'); s.value = 'cold';
    s.dispatchEvent(new Event('input')); return true; })()`);
  const match = await cdp.eval(`document.getElementById('summary').dataset.match`);
  check(match === '20.00%', 'search "cold" matches 20%: ' + match);

  // Diff: windows 6..11 against 0..5 shows app_new_function as grown.
  await cdp.eval(`(() => {
    const s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new Event('input'));
    const sel = (id, i) => { const e = document.getElementById(id); e.value = e.options[i < 0 ? e.options.length + i : i].value; };
    sel('from', 6); sel('to', -1); sel('base-from', 0); sel('base-to', 5);
    document.body.dataset.state = 'loading';
    const d = document.getElementById('diff-on'); d.checked = true; d.dispatchEvent(new Event('change'));
    return true; })()`);
  await cdp.waitFor(`document.body.dataset.state === 'ready' && document.body.classList.contains('diff')`);
  const grown = await cdp.eval(`(() => { const f = ksightUi.state.frames.find((f) => f.n.n === 'app_new_function');
    return f ? { v: f.n.v, b: f.n.b } : null; })()`);
  check(grown && grown.v === 30 && grown.b === 0, 'diff: app_new_function 0 → 30: ' + JSON.stringify(grown));
  const href = await cdp.eval(`document.getElementById('download').href`);
  check(href.includes('/api/v1/pprof?') && href.includes('base_from='), 'download link carries the diff range');
  await cdp.screenshot('ui_browser_diff.png');
  ws.close();
}

run().catch((e) => { console.log('FAIL ' + e.message); failures++; }).finally(() => {
  for (const c of children) {
    try { c.kill('SIGKILL'); } catch (e) { /* gone */ }
    // Chromium's helper processes outlive the killed browser for a moment and
    // keep writing the profile: retry, and never fail the test on cleanup.
    if (c.profileDir) {
      try {
        fs.rmSync(c.profileDir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
      } catch (e) {
        console.log('note: could not remove ' + c.profileDir + ': ' + e.code);
      }
    }
  }
  console.log(failures ? `${failures} check(s) failed` : 'all browser checks passed');
  process.exit(failures ? 1 : 0);
});
