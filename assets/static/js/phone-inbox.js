// VNeID app simulator: the phone's inbox ("Tin nhắn"). While signed in it polls the messages
// (SMS from "VNeID" and in-app notices), keeps the unread badges, pops a new message up as a
// notification banner, and shows a 6-digit code big with "Sao chép".
"use strict";

(function (sim) {
  const $ = (id) => document.getElementById(id);

  const POLL_MS = 4000; // on every screen but the inbox
  const POLL_OPEN_MS = 3000; // with the inbox open
  // Notifications pop up only where they cover nothing that matters: never over the
  // confirmation, the passcode pad or a result. One that arrives there waits.
  const BANNER_SCREENS = new Set(["home", "scan", "settings"]);
  const BANNER_STALE_MS = 2 * 60 * 1000;
  const BANNER_SHOW_MS = 15000;

  const box = {
    baseline: false, // the first answer after sign-in has arrived
    seen: new Set(),
    list: [],
    rendered: null,
    timer: 0,
    gen: 0, // bumped on stop so a late answer for an old session is ignored
    deferred: null, // {msg, at}
    bannerTimer: 0,
  };

  function msgKey(m) {
    return m.channel + "|" + m.sent_at + "|" + m.body;
  }

  function readKey() {
    const who = sim.ui.account();
    return "vneid-sim.read." + (who ? who.id_number : "");
  }

  function lastRead() {
    try {
      return Number(localStorage.getItem(readKey())) || 0;
    } catch (e) {
      return 0;
    }
  }

  function markRead() {
    if (!box.list.length) return;
    const newest = Math.max(...box.list.map((m) => sim.parseTime(m.sent_at) || 0));
    try {
      localStorage.setItem(readKey(), String(newest));
    } catch (e) {
      // no storage: the badge just stays
    }
    updateBadges();
  }

  function updateBadges() {
    let n = 0;
    if (sim.ui.account()) {
      const since = lastRead();
      n = box.list.filter((m) => (sim.parseTime(m.sent_at) || 0) > since).length;
    }
    for (const id of ["tile-messages-badge", "nav-messages-badge"]) {
      const b = $(id);
      b.textContent = n > 9 ? "9+" : String(n);
      b.classList.toggle("hidden", n === 0);
    }
  }

  function pollSoon(ms) {
    clearTimeout(box.timer);
    const gen = box.gen;
    box.timer = setTimeout(() => poll(gen), ms);
  }

  async function poll(gen) {
    if (gen !== box.gen || !sim.ui.signedIn()) return;
    // Skip while a passcode is being checked: a confirmed login ends the session, and a poll
    // racing it would report a sign-out before the success.
    if (document.visibilityState === "visible" && !sim.passcode.busy()) {
      try {
        const res = await sim.api.messages();
        if (gen !== box.gen) return;
        receive(res.messages || []);
      } catch (err) {
        if (gen !== box.gen || sim.passcode.busy()) return;
        if (sim.ui.signOutIfNeeded(err)) return;
        // anything else is passing (a Wi-Fi hiccup): try again on the next tick
      }
    }
    if (gen === box.gen && sim.ui.signedIn()) pollSoon(sim.ui.screen() === "messages" ? POLL_OPEN_MS : POLL_MS);
  }

  function receive(list) {
    const fresh = [];
    for (const msg of list) {
      const k = msgKey(msg);
      if (box.seen.has(k)) continue;
      box.seen.add(k);
      if (box.baseline) fresh.push(msg);
    }
    // What was there at sign-in is old news: only later messages pop up.
    box.baseline = true;
    box.list = list;
    const screen = sim.ui.screen();
    if (screen === "messages") {
      markRead();
      render();
    } else if (fresh.length) {
      if (BANNER_SCREENS.has(screen)) showBanner(fresh[0]);
      else box.deferred = { msg: fresh[0], at: Date.now() };
    }
    updateBadges();
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function codeRow(code) {
    const row = el("div", "msg-code");
    row.append(el("span", "code-big", code));
    const b = el("button", "btn btn-small copy-code", dvcT("Sao chép"));
    b.type = "button";
    b.dataset.code = code;
    row.append(b);
    return row;
  }

  function render() {
    const key = box.list.map(msgKey).join("\n");
    if (box.rendered === key) return;
    box.rendered = key;
    const ul = $("messages-list");
    ul.replaceChildren();
    for (const msg of box.list) {
      const app = msg.channel === "app";
      const li = el("li", "msg " + (app ? "msg-app" : "msg-sms"));
      const head = el("div", "msg-head");
      head.append(el("span", "msg-from", app ? "VNeID" : msg.from || "VNeID"));
      head.append(el("span", "msg-tag", app ? dvcT("Thông báo") : "SMS"));
      const time = el("time", "msg-time", sim.formatVN(msg.sent_at));
      time.dateTime = msg.sent_at;
      head.append(time);
      li.append(head);
      li.append(el("p", "msg-body", msg.body));
      const code = sim.findCode(msg.body);
      if (code) li.append(codeRow(code));
      if (!app && msg.to) li.append(el("div", "msg-to", dvcT("Đến số: %s", msg.to)));
      ul.append(li);
    }
    $("messages-empty").classList.toggle("hidden", box.list.length > 0);
  }

  async function copyCode(code) {
    const ok = await sim.copyText(code);
    sim.ui.toast(ok ? dvcT("Đã sao chép mã %s", code) : dvcT("Không sao chép được. Hãy ghi lại mã %s", code));
  }

  function showBanner(msg) {
    $("banner-from").textContent = msg.channel === "app" ? dvcT("VNeID · Thông báo trong ứng dụng") : dvcT("Tin nhắn SMS · %s", msg.from || "VNeID");
    $("banner-body").textContent = msg.body;
    const code = sim.findCode(msg.body);
    $("banner-code").textContent = code;
    $("banner-copy").dataset.code = code;
    $("banner-code-row").classList.toggle("hidden", !code);
    $("banner").classList.remove("hidden");
    clearTimeout(box.bannerTimer);
    box.bannerTimer = setTimeout(hideBanner, BANNER_SHOW_MS);
  }

  function hideBanner() {
    clearTimeout(box.bannerTimer);
    $("banner").classList.add("hidden");
  }

  function stop() {
    clearTimeout(box.timer);
    box.timer = 0;
    box.gen++;
    box.deferred = null;
    hideBanner();
  }

  function open() {
    sim.ui.show("messages");
    box.rendered = null;
    render();
    markRead();
    hideBanner();
    pollSoon(0);
  }

  $("messages-list").addEventListener("click", (ev) => {
    const b = ev.target.closest(".copy-code");
    if (b) copyCode(b.dataset.code);
  });
  $("banner-open").addEventListener("click", () => (sim.ui.signedIn() ? open() : hideBanner()));
  $("banner-copy").addEventListener("click", () => copyCode($("banner-copy").dataset.code));
  $("banner-close").addEventListener("click", hideBanner);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && sim.ui.signedIn()) pollSoon(0);
  });

  sim.inbox = {
    // start begins a signed-in session's inbox: what is there now is the baseline.
    start() {
      stop();
      box.baseline = false;
      box.seen = new Set();
      box.list = [];
      box.rendered = null;
      updateBadges();
      poll(box.gen);
    },
    stop,
    open,
    // screenChanged hides the banner over screens it must not cover and shows one that
    // waited, if it is still fresh.
    screenChanged(name) {
      if (!BANNER_SCREENS.has(name)) {
        hideBanner();
        return;
      }
      const d = box.deferred;
      box.deferred = null;
      if (d && Date.now() - d.at < BANNER_STALE_MS) showBanner(d.msg);
    },
  };
})((window.PhoneSim = window.PhoneSim || {}));
