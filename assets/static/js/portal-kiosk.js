// The counter screen "Đăng nhập tại quầy": a device without a keyboard logging a citizen in by
// device code (RFC 8628). It asks the identity provider for a code as the public client of the
// counter, shows the code and its QR, and polls the token endpoint at the interval the
// provider asks for (5 s more after each slow_down) until the citizen confirms or refuses on
// the phone, or the code expires. The tokens live in this page only; "Kết thúc phiên" revokes
// them and starts again.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const root = $("kiosk");
  if (!root) return;
  const clientID = root.dataset.client;
  const GRANT = "urn:ietf:params:oauth:grant-type:device_code";
  const k = { grant: null, interval: 5, expiresAt: 0, pollTimer: 0, tickTimer: 0, tokens: null };

  function status(text) {
    $("kiosk-status").textContent = text;
  }

  function panel(name) {
    $("kiosk-wait").classList.toggle("hidden", name !== "wait");
    $("kiosk-done").classList.toggle("hidden", name !== "done");
    $("kiosk-new").classList.toggle("hidden", name === "done" || name === "starting");
    $("kiosk-end").classList.toggle("hidden", name !== "done");
  }

  function stop() {
    clearTimeout(k.pollTimer);
    clearInterval(k.tickTimer);
    k.pollTimer = 0;
    k.tickTimer = 0;
  }

  // post sends a form to the identity provider and returns its status and JSON answer.
  async function post(path, fields) {
    const res = await fetch(path, {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
    let data = {};
    try {
      data = await res.json();
    } catch (e) {
      // an empty answer (revocation) or not JSON
    }
    return { status: res.status, data };
  }

  async function start() {
    stop();
    k.grant = null;
    panel("starting");
    status(dvcT("Đang tạo mã đăng nhập…"));
    let r;
    try {
      r = await post("/idp/device_authorization", { client_id: clientID, scope: "openid profile" });
    } catch (e) {
      failed(dvcT("Không kết nối được máy chủ. Hãy kiểm tra mạng rồi bấm “Tạo mã mới”."));
      return;
    }
    if (r.status !== 200 || !r.data.device_code) {
      failed(dvcT("Không tạo được mã đăng nhập. Hãy thử lại sau ít phút."));
      return;
    }
    k.grant = r.data;
    k.interval = Math.max(1, r.data.interval || 5);
    k.expiresAt = Date.now() + (r.data.expires_in || 300) * 1000;
    $("kiosk-code").textContent = r.data.user_code;
    $("kiosk-qr").src = "/dang-nhap-tai-quay/ma-qr.png?user_code=" + encodeURIComponent(r.data.user_code);
    panel("wait");
    status(dvcT("Đang chờ công dân xác nhận trên điện thoại…"));
    tick();
    k.tickTimer = setInterval(tick, 1000);
    k.pollTimer = setTimeout(poll, k.interval * 1000);
  }

  function failed(text) {
    stop();
    panel("failed");
    status(text);
  }

  function tick() {
    const left = Math.max(0, Math.round((k.expiresAt - Date.now()) / 1000));
    const m = String(Math.floor(left / 60)).padStart(2, "0");
    const s = String(left % 60).padStart(2, "0");
    $("kiosk-countdown").textContent = dvcT("Mã hết hạn sau %s", m + ":" + s);
  }

  async function poll() {
    const grant = k.grant;
    if (!grant) return;
    let r;
    try {
      r = await post("/idp/oauth/token", { grant_type: GRANT, device_code: grant.device_code, client_id: clientID });
    } catch (e) {
      k.pollTimer = setTimeout(poll, k.interval * 1000); // the network came and went: ask again
      return;
    }
    if (grant !== k.grant) return; // a new code was made meanwhile
    if (r.status === 200 && r.data.access_token) {
      stop();
      k.tokens = r.data;
      await welcome(r.data.access_token);
      return;
    }
    switch (r.data.error) {
      case "authorization_pending":
        break;
      case "slow_down":
        k.interval += 5;
        break;
      case "access_denied":
        failed(dvcT("Công dân đã từ chối yêu cầu đăng nhập trên điện thoại. Bấm “Tạo mã mới” để thử lại."));
        return;
      case "expired_token":
        failed(dvcT("Mã đăng nhập đã hết hạn. Bấm “Tạo mã mới” để tạo mã khác."));
        return;
      default:
        failed(dvcT("Không đăng nhập được. Bấm “Tạo mã mới” để thử lại."));
        return;
    }
    k.pollTimer = setTimeout(poll, k.interval * 1000);
  }

  // welcome shows who logged in, from the identity provider's user info.
  async function welcome(accessToken) {
    let info = {};
    try {
      const res = await fetch("/idp/userinfo", { credentials: "omit", headers: { Authorization: "Bearer " + accessToken } });
      if (res.ok) info = await res.json();
    } catch (e) {
      // the login holds; the details are missing
    }
    $("kiosk-name").textContent = info.name || "";
    $("kiosk-id").textContent = info.SoDinhDanh || "";
    const b = /^(\d{4})-(\d{2})-(\d{2})$/.exec(info.birthdate || "");
    $("kiosk-birthdate").textContent = b ? b[3] + "/" + b[2] + "/" + b[1] : "";
    panel("done");
    status(dvcT("Công dân đã đăng nhập tại quầy."));
    $("kiosk-end").focus();
  }

  // end revokes the counter's tokens and makes a new code for the next citizen.
  async function end() {
    const tokens = k.tokens;
    k.tokens = null;
    if (tokens) {
      for (const t of [tokens.refresh_token, tokens.access_token]) {
        if (!t) continue;
        try {
          await post("/idp/revoke", { token: t, client_id: clientID });
        } catch (e) {
          // the token ends with its lifetime
        }
      }
    }
    $("kiosk-name").textContent = "";
    $("kiosk-id").textContent = "";
    $("kiosk-birthdate").textContent = "";
    start();
  }

  $("kiosk-new").addEventListener("click", start);
  $("kiosk-end").addEventListener("click", end);
  start();
})();
