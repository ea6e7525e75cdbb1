// VNeID app simulator: "Ứng dụng xác thực (TOTP)" in Cài đặt. Setting up takes the passcode,
// shows the secret as a QR and as text in groups of four, and turns the factor on with a first
// code from the authenticator app; turning it off takes the passcode again. Loaded before
// phone.js, which calls render() with the account and reset() when the session ends.
"use strict";

(function (sim) {
  const $ = (id) => document.getElementById(id);
  const api = sim.api;

  const totp = { enabled: false, enrolling: false, busy: false };

  // groups of four characters are what people can copy by hand without losing their place.
  function grouped(secret) {
    return (secret.match(/.{1,4}/g) || []).join(" ");
  }

  function setError(msg) {
    const el = $("totp-error");
    el.textContent = msg || "";
    el.classList.toggle("hidden", !msg);
  }

  function draw() {
    $("totp-status").textContent = totp.enabled
      ? dvcT("Đã bật xác thực bằng ứng dụng xác thực")
      : totp.enrolling ? dvcT("Đang thiết lập") : dvcT("Chưa thiết lập");
    $("totp-setup").classList.toggle("hidden", totp.enrolling);
    $("totp-setup").textContent = totp.enabled ? dvcT("Thiết lập lại") : dvcT("Thiết lập");
    $("totp-disable").classList.toggle("hidden", !totp.enabled || totp.enrolling);
    $("totp-enroll").classList.toggle("hidden", !totp.enrolling);
    $("totp-activate").disabled = totp.busy;
  }

  // render shows the account's state; a setup in progress stays open.
  function render(me) {
    totp.enabled = Boolean(me && me.totp_enabled);
    draw();
  }

  // reset forgets a setup in progress, so the secret never outlives the app session on screen.
  function reset() {
    totp.enrolling = false;
    totp.busy = false;
    $("totp-secret").textContent = "";
    $("totp-qr").src = "data:,";
    $("totp-open").href = "#";
    $("totp-code").value = "";
    setError("");
    draw();
  }

  function backToSettings(err) {
    sim.ui.show("settings");
    if (err) setError(err.message);
  }

  function startSetup() {
    setError("");
    sim.passcode.open({
      purpose: dvcT("Nhập passcode để thiết lập ứng dụng xác thực"),
      submit: (passcode) => api.totpEnroll(passcode),
      onSuccess: showSecret,
      onCancel: () => backToSettings(),
      onError: backToSettings,
    });
  }

  function showSecret(res) {
    totp.enrolling = true;
    $("totp-qr").src = res.qr_svg_url;
    $("totp-secret").textContent = grouped(res.secret);
    $("totp-secret").dataset.secret = res.secret;
    // On the phone that runs the authenticator, the otpauth: link opens it directly.
    $("totp-open").href = res.otpauth_url;
    $("totp-code").value = "";
    draw();
    sim.ui.show("settings");
    $("totp-card").scrollIntoView({ block: "start" });
  }

  async function activate(ev) {
    ev.preventDefault();
    const code = $("totp-code").value.replace(/\D/g, "");
    if (!/^\d{6}$/.test(code)) {
      setError(dvcT("Mã từ ứng dụng xác thực gồm 6 chữ số."));
      $("totp-code").focus();
      return;
    }
    setError("");
    totp.busy = true;
    draw();
    try {
      const res = await api.totpActivate(code);
      reset();
      totp.enabled = Boolean(res.totp_enabled);
      sim.ui.noteTOTP(totp.enabled);
      draw();
      sim.ui.toast(dvcT("Đã bật xác thực bằng ứng dụng xác thực"));
    } catch (err) {
      totp.busy = false;
      if (sim.ui.signOutIfNeeded(err)) return;
      if (err.code === "totp_setup_expired") reset();
      draw();
      setError(err.message);
      $("totp-code").select();
    }
  }

  function disable() {
    setError("");
    sim.passcode.open({
      purpose: dvcT("Nhập passcode để tắt xác thực bằng ứng dụng xác thực"),
      submit: (passcode) => api.totpRemove(passcode),
      onSuccess: (res) => {
        totp.enabled = Boolean(res.totp_enabled);
        sim.ui.noteTOTP(totp.enabled);
        draw();
        sim.ui.show("settings");
        sim.ui.toast(dvcT("Đã tắt xác thực bằng ứng dụng xác thực"));
      },
      onCancel: () => backToSettings(),
      onError: backToSettings,
    });
  }

  async function copySecret() {
    const ok = await sim.copyText($("totp-secret").dataset.secret || "");
    sim.ui.toast(ok ? dvcT("Đã sao chép khóa bí mật") : dvcT("Không sao chép được. Hãy nhập khóa bằng tay."));
  }

  $("totp-setup").addEventListener("click", startSetup);
  $("totp-disable").addEventListener("click", disable);
  $("totp-cancel").addEventListener("click", reset);
  $("totp-copy").addEventListener("click", copySecret);
  $("totp-form").addEventListener("submit", activate);
  $("totp-code").addEventListener("input", (ev) => {
    const digits = ev.target.value.replace(/\D/g, "").slice(0, 6);
    if (digits !== ev.target.value) ev.target.value = digits;
  });

  sim.totp = { render, reset };
})((window.PhoneSim = window.PhoneSim || {}));
