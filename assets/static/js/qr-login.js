// QR login on the IdP login page: starts a QR login for the page's auth request, shows the
// rotating QR and follows the login's state over server-sent events, falling back to polling
// the status every 2 s where EventSource is missing or keeps failing. When the phone confirms,
// the browser goes on by itself.
(function () {
  'use strict';

  var root = document.getElementById('qr-login');
  if (!root) return;

  var STATES = ['waiting', 'scanned', 'confirmed', 'denied', 'expired', 'cancelled'];
  var POLL_MS = 2000;
  var authRequest = root.getAttribute('data-auth-request') || '';
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute('content') : '';
  var img = document.getElementById('qr-image');
  var countdown = document.getElementById('qr-countdown');
  var scannedBy = document.getElementById('qr-scanned-by');
  var errorText = document.getElementById('qr-error');
  var match = document.getElementById('qr-match');
  var matchNumber = document.getElementById('qr-match-number');
  var denied = document.getElementById('qr-denied');
  var deniedDefault = denied ? denied.textContent : '';
  var defaultError = errorText ? errorText.textContent : '';

  var login = null; // the answer of /idp/qr/start
  var state = '';
  var lastQR = '';
  var frame = 0;
  var deadline = 0; // Date.now() when the login expires, from the server's "expires_in"
  var source = null;
  var streamErrors = 0;
  var pollTimer = 0;
  var tickTimer = 0;
  var generation = 0; // a newer start() makes answers to older requests void
  var started = false;

  function ended(s) {
    return s !== 'waiting' && s !== 'scanned' && s !== 'starting';
  }

  function show(s) {
    state = s;
    root.setAttribute('data-state', s);
    root.classList.toggle('qr-expired', s === 'expired');
    var els = root.querySelectorAll('[data-show]');
    for (var i = 0; i < els.length; i++) {
      els[i].hidden = els[i].getAttribute('data-show').split(' ').indexOf(s) < 0;
    }
    img.classList.toggle('qr-blurred', s !== 'waiting');
  }

  function stop() {
    if (source) {
      source.close();
      source = null;
    }
    clearInterval(pollTimer);
    pollTimer = 0;
    clearInterval(tickTimer);
    tickTimer = 0;
  }

  function fail(message) {
    stop();
    if (errorText) errorText.textContent = message || defaultError;
    show('error');
  }

  function pad(n) {
    return (n < 10 ? '0' : '') + n;
  }

  var announce = document.getElementById('qr-announce');
  var announcedMinute = false;

  function tick() {
    var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    countdown.textContent = pad(Math.floor(left / 60)) + ':' + pad(left % 60);
    if (announce && state === 'waiting' && left <= 60 && left > 0 && !announcedMinute) {
      announcedMinute = true;
      announce.textContent = dvcT("Mã QR còn hiệu lực 1 phút.");
    } else if (left > 60 && announcedMinute) {
      announcedMinute = false; // a new QR
      announce.textContent = '';
    }
    // At zero the server decides: ask it, in case the stream missed the end.
    if (left === 0 && !ended(state)) startPolling();
  }

  // apply shows one status answer (from the stream, a poll or the start call).
  function apply(st, my) {
    if (my !== generation || !st || STATES.indexOf(st.state) < 0) return;
    if (typeof st.expires_in === 'number') deadline = Date.now() + st.expires_in * 1000;
    if (st.state === 'waiting' && st.qr && st.qr !== lastQR) {
      lastQR = st.qr;
      frame += 1;
      img.src = login.image_url + '?v=' + frame;
    }
    if (st.scanned_by) scannedBy.textContent = st.scanned_by;
    // Number matching: the number to pick on the phone while the login waits for it, and
    // why a wrong pick denied it.
    if (match) {
      match.hidden = !(st.state === 'scanned' && st.number);
      if (st.state === 'scanned' && st.number) matchNumber.textContent = String(st.number);
    }
    if (denied && st.state === 'denied') {
      denied.textContent = st.reason === 'number_mismatch' ? denied.getAttribute('data-mismatch') : deniedDefault;
    }
    if (st.state !== state) show(st.state);
    if (ended(st.state)) stop();
    if (st.state === 'confirmed' && st.redirect) window.location.assign(st.redirect);
  }

  function poll(my) {
    fetch(login.status_url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (r.status === 404) throw new Error('gone');
        return r.ok ? r.json() : null;
      })
      .then(function (st) { if (st) apply(st, my); })
      .catch(function (e) {
        // A login this browser started and the server no longer knows (its data was reset,
        // or it was purged) has expired for this page: "Tải lại" starts a new one.
        if (my === generation && e.message === 'gone') apply({ state: 'expired' }, my);
      });
  }

  function startPolling() {
    if (pollTimer || !login) return;
    var my = generation;
    poll(my);
    pollTimer = setInterval(function () { poll(my); }, POLL_MS);
  }

  function follow(my) {
    if (!window.EventSource) {
      startPolling();
      return;
    }
    source = new EventSource(login.events_url);
    var handler = function (ev) {
      streamErrors = 0;
      try {
        apply(JSON.parse(ev.data), my);
      } catch (_) { /* a malformed event is skipped; the next one carries the full state */ }
    };
    STATES.concat(['frame']).forEach(function (name) {
      source.addEventListener(name, handler);
    });
    source.onerror = function () {
      if (my !== generation || !source) return;
      streamErrors += 1;
      // A refused stream (say 404) is closed for good; a flaky one retries by itself, but
      // after a few failures in a row polling is the surer way.
      if (source.readyState === EventSource.CLOSED || streamErrors >= 3) {
        source.close();
        source = null;
        startPolling();
      }
    };
  }

  function start() {
    started = true;
    stop();
    generation += 1;
    var my = generation;
    login = null;
    lastQR = '';
    streamErrors = 0;
    show('starting');
    fetch('/idp/qr/start', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ auth_request: authRequest })
    })
      .then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; }, function () { return { ok: false, body: {} }; });
      })
      .then(function (res) {
        if (my !== generation) return;
        if (!res.ok) {
          fail(res.body && res.body.error && res.body.error.message);
          return;
        }
        login = res.body;
        apply({ state: 'waiting', qr: login.qr, expires_in: login.expires_in }, my);
        tick();
        tickTimer = setInterval(tick, 1000);
        follow(my);
      })
      .catch(function () {
        if (my === generation) fail();
      });
  }

  document.getElementById('qr-reload').addEventListener('click', start);
  document.getElementById('qr-cancel').addEventListener('click', function () {
    if (!login) return;
    var my = generation;
    fetch(login.status_url.replace(/\/status$/, '/cancel'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-CSRF-Token': csrf }
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (st) { if (st) apply(st, my); })
      .catch(function () { /* the stream or the next poll shows the outcome */ });
  });
  img.addEventListener('error', function () {
    // An image refused mid-way (the login moved on): the status says why.
    if (login && state === 'waiting') startPolling();
  });

  // Start when the QR tab is showing; the password tab alone should not mint QR logins.
  var panel = document.getElementById('panel-qr');
  if (panel && panel.classList.contains('hidden')) {
    document.addEventListener('idp:tab', function (e) {
      if (e.detail === 'qr' && !started) start();
    });
  } else {
    start();
  }
})();
