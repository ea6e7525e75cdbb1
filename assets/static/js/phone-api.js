// VNeID app simulator: the client of the identity provider's mobile API (/api/mobile/v1), the
// token store and the formatting the screens share. Plain script: it fills window.PhoneSim.
"use strict";

(function (sim) {
  const BASE = "/api/mobile/v1";
  // The token lives in localStorage, not sessionStorage: a phone's camera app opens a scanned
  // QR's URL in a new tab, which must find the app still signed in.
  const TOKEN_KEY = "vneid-sim.token";

  const MSG_NETWORK = dvcT("Không kết nối được máy chủ. Vui lòng kiểm tra kết nối Wi-Fi và thử lại.");
  const MSG_GENERIC = dvcT("Hệ thống đang bận hoặc gặp sự cố. Vui lòng thử lại sau.");

  /** ApiError is a failed call: code and message come from the server's {"error":{...}}. */
  class ApiError extends Error {
    constructor(status, code, message, retryAfter, data) {
      super(message);
      this.status = status;
      this.code = code;
      this.retryAfter = retryAfter || 0;
      this.data = data || null; // the whole answer, for errors that carry more (activation_required)
    }
  }

  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null; // storage disabled (private mode on some browsers): the token lives in memory
    }
  }

  let memoryToken = null;
  const token = {
    get() {
      const s = storage();
      return s ? s.getItem(TOKEN_KEY) : memoryToken;
    },
    set(t) {
      const s = storage();
      if (s) s.setItem(TOKEN_KEY, t);
      else memoryToken = t;
    },
    clear() {
      const s = storage();
      if (s) s.removeItem(TOKEN_KEY);
      memoryToken = null;
    },
  };

  // serverOffset is the server's clock minus the phone's, from the Date header: a phone's
  // clock is often off, and countdowns to the server's expiry times must not depend on it.
  let serverOffset = 0;
  function noteServerDate(res) {
    const d = Date.parse(res.headers.get("Date") || "");
    if (!Number.isNaN(d)) serverOffset = d - Date.now();
  }

  async function call(method, path, body) {
    const headers = { Accept: "application/json" };
    const t = token.get();
    if (t) headers.Authorization = "Bearer " + t;
    // The app session is the bearer token. The one cookie the API reads is the device key
    // (HttpOnly, path /api/mobile/v1, SameSite=Strict): it makes this browser one simulated
    // phone, the one that may hold a SIM.
    const init = { method, headers, cache: "no-store", credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(BASE + path, init);
    } catch (e) {
      throw new ApiError(0, "network", MSG_NETWORK);
    }
    noteServerDate(res);
    if (res.status === 204) return null;
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok) {
      const err = (data && data.error) || {};
      const retry = parseInt(res.headers.get("Retry-After") || "", 10);
      throw new ApiError(res.status, err.code || "http_" + res.status, err.message || MSG_GENERIC,
        retry > 0 ? retry : 0, data);
    }
    if (data === null) throw new ApiError(res.status, "bad_response", MSG_GENERIC);
    return data;
  }

  const api = {
    login: (idNumber, password, activationCode) => call("POST", "/login",
      activationCode ? { id_number: idNumber, password, activation_code: activationCode } : { id_number: idNumber, password }),
    simClaim: (token) => call("POST", "/sim/claim", { token }),
    simTransfer: (passcode) => call("POST", "/sim/transfer", { passcode }),
    logout: () => call("POST", "/logout"),
    me: () => call("GET", "/me"),
    messages: () => call("GET", "/messages"),
    scan: (qr) => call("POST", "/qr/scan", { qr }),
    confirm: (id, passcode, number) => call("POST", "/qr/" + encodeURIComponent(id) + "/confirm", number ? { passcode, number } : { passcode }),
    // pick sends a number-matching pick alone, before the passcode is asked.
    pick: (id, number) => call("POST", "/qr/" + encodeURIComponent(id) + "/confirm", { number }),
    deny: (id, reason) => call("POST", "/qr/" + encodeURIComponent(id) + "/deny", reason ? { reason } : undefined),
    scanned: (id) => call("GET", "/qr/" + encodeURIComponent(id)),
    deviceLookup: (userCode) => call("POST", "/device/lookup", { user_code: userCode }),
    deviceConfirm: (userCode, passcode) => call("POST", "/device/confirm", { user_code: userCode, passcode }),
    deviceDeny: (userCode) => call("POST", "/device/deny", { user_code: userCode }),
    setWebLogin: (enabled, passcode) => call("PUT", "/settings/web-login", { enabled, passcode }),
    totpEnroll: (passcode) => call("POST", "/totp/enroll", { passcode }),
    totpActivate: (code) => call("POST", "/totp/activate", { code }),
    totpRemove: (passcode) => call("DELETE", "/totp", { passcode }),
    sessions: () => call("GET", "/sessions"),
    endSession: (id) => call("DELETE", "/sessions/" + encodeURIComponent(id)),
    endAllSessions: () => call("POST", "/sessions/end-all"),
    logins: () => call("GET", "/logins"),
  };

  function two(n) {
    return String(n).padStart(2, "0");
  }

  // parseTime reads a server time (RFC 3339) in milliseconds, or NaN. Go writes up to nine
  // fractional digits; some engines (older Safari) reject more than three.
  function parseTime(s) {
    return Date.parse(String(s || "").replace(/(\.\d{3})\d+/, "$1"));
  }

  // formatVN shows a server time as dd/mm/yyyy HH:MM:SS in Vietnam time (UTC+7, no daylight
  // saving), whatever the phone's own time zone.
  function formatVN(iso) {
    const t = parseTime(iso);
    if (Number.isNaN(t)) return "";
    const d = new Date(t + 7 * 3600 * 1000);
    return two(d.getUTCDate()) + "/" + two(d.getUTCMonth() + 1) + "/" + d.getUTCFullYear() + " " +
      two(d.getUTCHours()) + ":" + two(d.getUTCMinutes()) + ":" + two(d.getUTCSeconds());
  }

  // formatDuration renders seconds as mm:ss, as the login page's QR countdown does ("02:00").
  function formatDuration(seconds) {
    const s = Math.max(0, Math.ceil(seconds));
    return two(Math.floor(s / 60)) + ":" + two(s % 60);
  }

  // localDeadline turns a request's expiry, in server times, into a deadline on this phone's
  // clock (0 when there is none). The server has just answered, so its "now" lies between the
  // request and the expiry; when the Date header says otherwise the server runs on a demo
  // clock: count from the request time instead.
  function localDeadline(requestedAt, expiresAt) {
    const requested = parseTime(requestedAt);
    const expires = parseTime(expiresAt);
    if (Number.isNaN(expires) || Number.isNaN(requested)) return 0;
    let now = Date.now() + serverOffset;
    if (now < requested - 5000 || now > expires) now = requested;
    return Date.now() + (expires - now);
  }

  // requestCountdown shows "Yêu cầu hết hạn sau mm:ss" in el until deadline (nothing when it is
  // 0), while alive() holds; at the deadline it stops and calls ended(). It returns its stop.
  function requestCountdown(el, deadline, alive, ended) {
    let timer = 0;
    const stop = () => {
      clearInterval(timer);
      timer = 0;
    };
    const tick = () => {
      if (!alive()) {
        stop();
        return;
      }
      if (!deadline) {
        el.textContent = "";
        return;
      }
      const left = (deadline - Date.now()) / 1000;
      if (left <= 0) {
        stop();
        ended();
        return;
      }
      el.textContent = dvcT("Yêu cầu hết hạn sau %s", formatDuration(left));
    };
    tick();
    if (deadline) timer = setInterval(tick, 500);
    return stop;
  }

  // maskIDNumber hides the 8 middle digits, as the VNeID app does ("mask lại 8 ký tự giữa").
  function maskIDNumber(id) {
    if (!id || id.length !== 12) return "************";
    return id.slice(0, 2) + "********" + id.slice(10);
  }

  // findCode returns the first stand-alone 6-digit number in a message (an OTP or a login
  // code), or "".
  function findCode(text) {
    const m = /(^|\D)(\d{6})(?!\d)/.exec(text || "");
    return m ? m[2] : "";
  }

  // copyText copies to the clipboard. navigator.clipboard needs a secure context, which a phone
  // on the office Wi-Fi (plain HTTP) is not: fall back to a selected textarea and execCommand.
  async function copyText(text) {
    if (window.isSecureContext && navigator.clipboard && navigator.clipboard.writeText) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch (e) {
        // fall through to the old way
      }
    }
    const ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "clipboard-helper";
    document.body.appendChild(ta);
    ta.select();
    ta.setSelectionRange(0, text.length);
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    ta.remove();
    return ok;
  }

  sim.ApiError = ApiError;
  sim.api = api;
  sim.token = token;
  sim.serverNow = () => Date.now() + serverOffset;
  sim.parseTime = parseTime;
  sim.formatVN = formatVN;
  sim.formatDuration = formatDuration;
  sim.localDeadline = localDeadline;
  sim.requestCountdown = requestCountdown;
  sim.maskIDNumber = maskIDNumber;
  sim.findCode = findCode;
  sim.copyText = copyText;
  sim.MSG_NETWORK = MSG_NETWORK;
})((window.PhoneSim = window.PhoneSim || {}));
