// VNeID app simulator: a login at a counter or kiosk by device code (RFC 8628). The counter
// shows a code of 8 letters and a QR of /app/device?user_code=CODE; scanned, opened by the
// phone's camera or typed on the scan screen, the code brings up who asks and from where, and
// the citizen confirms with the passcode or refuses. The counter's screen learns the answer
// by itself. Loaded before phone.js, whose scan screen hands codes over (userCode, open).
"use strict";

(function (sim) {
  const $ = (id) => document.getElementById(id);
  const api = sim.api;
  const LETTERS = /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/;

  const dev = { request: null, stopCountdown: () => {}, busy: false };

  // userCode returns the counter's code in text (its QR's address, or the code as typed, with
  // or without its dash, in any case), or "" when text is not one.
  function userCode(text) {
    text = String(text || "").trim();
    if (/^https?:\/\//i.test(text)) {
      try {
        const u = new URL(text);
        if (!/\/app\/device\/?$/.test(u.pathname)) return "";
        text = u.searchParams.get("user_code") || "";
      } catch (e) {
        return "";
      }
    }
    const code = text.replace(/[\s-]/g, "").toUpperCase();
    return LETTERS.test(code) ? code : "";
  }

  const TITLES = {
    invalid_user_code: dvcT("Mã không hợp lệ"),
    user_code_not_found: dvcT("Mã không đúng hoặc đã hết hạn"),
    user_code_used: dvcT("Yêu cầu đã được xử lý"),
    account_level_insufficient: dvcT("Tài khoản chưa đủ mức định danh"),
    web_login_not_permitted: dvcT("Chưa cấp quyền đăng nhập trên website"),
    rate_limited: dvcT("Thao tác quá nhiều lần"),
    network: dvcT("Không kết nối được"),
  };

  function failed(err) {
    stop();
    if (sim.ui.signOutIfNeeded(err)) return;
    sim.ui.result({
      icon: "fail",
      title: TITLES[err.code] || dvcT("Không thể đăng nhập tại quầy"),
      message: err.message,
      buttons: ["rescan", "home"],
    });
  }

  // open looks the code up and shows the request.
  async function open(code) {
    if (dev.busy) return;
    dev.busy = true;
    try {
      const res = await api.deviceLookup(code);
      show(res.request);
    } catch (err) {
      failed(err);
    } finally {
      dev.busy = false;
    }
  }

  function show(req) {
    dev.request = req;
    $("device-client").textContent = req.client_name;
    $("device-code").textContent = req.user_code;
    $("device-browser").textContent = req.browser || dvcT("Không rõ");
    $("device-ip").textContent = req.ip || dvcT("Không rõ");
    $("device-time").textContent = sim.formatVN(req.requested_at);
    setBusy(false);
    sim.ui.show("device");
    stop();
    const screen = () => sim.ui.screen() === "device" || sim.ui.screen() === "passcode";
    dev.stopCountdown = sim.requestCountdown($("device-countdown"), sim.localDeadline(req.requested_at, req.expires_at),
      screen, expired);
  }

  function stop() {
    dev.stopCountdown();
  }

  function expired() {
    dev.request = null;
    sim.ui.result({
      icon: "info",
      title: dvcT("Mã đăng nhập tại quầy đã hết hạn"),
      message: dvcT("Hãy bấm “Tạo mã mới” ở quầy rồi quét lại."),
      buttons: ["rescan", "home"],
    });
  }

  function setBusy(busy) {
    $("device-accept").disabled = busy;
    $("device-deny").disabled = busy;
  }

  function accept() {
    const req = dev.request;
    if (!req) return;
    sim.passcode.open({
      purpose: dvcT("Nhập passcode để xác nhận đăng nhập %s", req.client_name),
      submit: (passcode) => api.deviceConfirm(req.user_code, passcode),
      onSuccess: () => {
        stop();
        dev.request = null;
        sim.ui.result({
          icon: "ok",
          title: dvcT("Đăng nhập thành công"),
          message: dvcT("Màn hình quầy sẽ tự chuyển sang phiên làm việc của bạn."),
          buttons: ["home"],
        });
      },
      onCancel: () => sim.ui.show("device"),
      onError: failed,
    });
  }

  async function deny() {
    const req = dev.request;
    if (!req) return;
    setBusy(true);
    try {
      await api.deviceDeny(req.user_code);
      stop();
      dev.request = null;
      sim.ui.result({
        icon: "info",
        title: dvcT("Đã từ chối yêu cầu đăng nhập"),
        message: dvcT("Màn hình quầy sẽ báo yêu cầu đã bị từ chối."),
        buttons: ["home"],
      });
    } catch (err) {
      setBusy(false);
      failed(err);
    }
  }

  $("device-accept").addEventListener("click", accept);
  $("device-deny").addEventListener("click", deny);

  sim.device = { userCode, open };
})((window.PhoneSim = window.PhoneSim || {}));
