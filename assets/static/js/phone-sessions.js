// VNeID app simulator: "Quản lý đăng nhập" (the browsers signed in with the citizen's account
// and the services that keep them signed in, each ended with a tap, or all at once) and
// "Lịch sử đăng nhập" (the latest 20 logins), both opened from Cài đặt. Loaded before
// phone.js; every text from the server is shown with textContent.
"use strict";

(function (sim) {
  const $ = (id) => document.getElementById(id);
  const api = sim.api;

  let busy = false;

  function setError(id, msg) {
    const el = $(id);
    el.textContent = msg || "";
    el.classList.toggle("hidden", !msg);
  }

  function failed(errorID, err) {
    if (sim.ui.signOutIfNeeded(err)) return;
    setError(errorID, err.message);
  }

  function line(cls, text) {
    const el = document.createElement("div");
    el.className = cls;
    el.textContent = text;
    return el;
  }

  // item is one row: a title, lines of detail, and an end button when end is given.
  function item(title, details, endLabel, end) {
    const li = document.createElement("li");
    li.className = "session-item";
    li.appendChild(line("session-title", title));
    for (const d of details) if (d) li.appendChild(line("session-detail", d));
    if (end) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "btn-small session-end";
      b.textContent = endLabel;
      b.addEventListener("click", end);
      li.appendChild(b);
    }
    return li;
  }

  function fill(listID, emptyID, rows) {
    const list = $(listID);
    list.replaceChildren(...rows);
    $(emptyID).classList.toggle("hidden", rows.length > 0);
  }

  function render(res) {
    fill("web-sessions", "web-sessions-empty", res.web_sessions.map((w) => item(w.browser, [
      dvcT("Địa chỉ IP: %s", w.ip),
      dvcT("Bắt đầu: %s", sim.formatVN(w.started_at)),
      dvcT("Dùng gần nhất: %s", sim.formatVN(w.last_used_at)),
    ], dvcT("Kết thúc phiên"), () => end(w.id))));
    fill("service-grants", "service-grants-empty", res.services.map((g) => item(g.client_name, [
      g.browser ? g.browser + (g.ip ? " · " + g.ip : "") : g.ip ? dvcT("Địa chỉ IP: %s", g.ip) : "",
      dvcT("Cấp quyền: %s", sim.formatVN(g.granted_at)),
      g.refreshed_at ? dvcT("Làm mới gần nhất: %s", sim.formatVN(g.refreshed_at)) : "",
    ], dvcT("Thu hồi"), () => end(g.id))));
    $("sessions-end-all").disabled = !(res.web_sessions.length || res.services.length);
  }

  async function load() {
    setError("sessions-error", "");
    try {
      render(await api.sessions());
    } catch (err) {
      failed("sessions-error", err);
    }
  }

  function open() {
    sim.ui.show("sessions");
    load();
  }

  async function end(id) {
    if (busy) return;
    busy = true;
    try {
      await api.endSession(id);
      sim.ui.toast(dvcT("Đã kết thúc phiên đăng nhập."));
    } catch (err) {
      failed("sessions-error", err);
    } finally {
      busy = false;
    }
    load();
  }

  async function endAll() {
    if (busy) return;
    busy = true;
    try {
      await api.endAllSessions();
      sim.ui.toast(dvcT("Đã đăng xuất tất cả các phiên đăng nhập trên trình duyệt và dịch vụ."));
    } catch (err) {
      failed("sessions-error", err);
    } finally {
      busy = false;
    }
    load();
  }

  async function openLogins() {
    sim.ui.show("logins");
    setError("logins-error", "");
    try {
      const res = await api.logins();
      fill("logins-list", "logins-empty", res.logins.map((l) => item(l.service, [
        l.method_name,
        l.browser + (l.ip ? " · " + l.ip : ""),
        sim.formatVN(l.at),
      ])));
    } catch (err) {
      failed("logins-error", err);
    }
  }

  $("sessions-open").addEventListener("click", open);
  $("logins-open").addEventListener("click", openLogins);
  $("sessions-back").addEventListener("click", () => sim.ui.openSettings());
  $("logins-back").addEventListener("click", () => sim.ui.openSettings());
  $("sessions-end-all").addEventListener("click", endAll);
})((window.PhoneSim = window.PhoneSim || {}));
