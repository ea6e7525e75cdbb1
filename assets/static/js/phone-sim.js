// VNeID app simulator: the simulated SIM and device. This browser is one phone (the server
// knows it by a device key in an HttpOnly cookie). The SIM of a citizen's number sits in one
// phone: SMS show only there, a login on another phone needs an activation code sent by SMS to
// the SIM, and the SIM moves with a one-time transfer code (QR or text). Screens: the SIM line
// on the home screen and in settings, "Kích hoạt thiết bị", "Chuyển SIM sang thiết bị khác"
// and "Nhận SIM từ thiết bị khác".
"use strict";

(function (sim) {
  const $ = (id) => document.getElementById(id);
  const api = sim.api;
  const TRANSFER_POLL_MS = 3000;
  const TRANSFER_TTL_MS = 10 * 60 * 1000;

  const st = {
    login: null, // {idNumber, password} waiting for its activation code
    held: false,
    expiresLocal: 0,
    timer: 0,
    busy: false,
  };

  function showError(id, msg) {
    const el = $(id);
    el.textContent = msg || "";
    el.classList.toggle("hidden", !msg);
  }

  // ---- the SIM line ----

  // render shows where the citizen's SIM is, from /me or the login answer.
  function render(me) {
    const s = me && me.sim;
    const line = $("home-sim");
    if (!s) {
      line.classList.add("hidden");
      return;
    }
    st.held = Boolean(s.held_by_this_device);
    const text = st.held
      ? dvcT("Thiết bị này đang giữ SIM %s: tin nhắn SMS đến số này hiện ở đây.", s.phone_masked)
      : dvcT("SIM %s đang ở thiết bị khác: tin nhắn SMS đến số này không hiện trên thiết bị này.", s.phone_masked);
    line.textContent = text;
    line.classList.toggle("elsewhere", !st.held);
    line.classList.remove("hidden");
    $("sim-status").textContent = text;
    $("sim-transfer").classList.toggle("hidden", !st.held);
    $("sim-claim-open").classList.toggle("hidden", st.held);
    showError("sim-error", "");
  }

  // ---- activation ----

  // askActivation shows the activation step after the server answered activation_required.
  function askActivation(idNumber, password, err) {
    st.login = { idNumber, password };
    $("activate-info").textContent = err.message;
    $("activate-code").value = "";
    showError("activate-error", "");
    sim.ui.show("activate");
    $("activate-code").focus();
  }

  async function submitActivation(ev) {
    ev.preventDefault();
    if (!st.login || st.busy) return;
    const code = $("activate-code").value.replace(/\D/g, "");
    if (!/^\d{6}$/.test(code)) {
      showError("activate-error", dvcT("Mã kích hoạt gồm 6 chữ số."));
      $("activate-code").focus();
      return;
    }
    st.busy = true;
    $("activate-submit").disabled = true;
    try {
      const res = await api.login(st.login.idNumber, st.login.password, code);
      st.login = null;
      sim.ui.signIn(res);
    } catch (err) {
      if (err.code === "activation_expired" || err.code === "account_locked") {
        st.login = null;
        sim.ui.showLogin({ error: err.message });
        return;
      }
      showError("activate-error", err.message);
      $("activate-code").select();
    } finally {
      st.busy = false;
      $("activate-submit").disabled = false;
    }
  }

  // resendActivation asks again: the server sends a new code unless one went out less than a
  // minute ago.
  async function resendActivation() {
    if (!st.login || st.busy) return;
    st.busy = true;
    try {
      const res = await api.login(st.login.idNumber, st.login.password);
      // The SIM came to this phone meanwhile: the login went through without a code.
      st.login = null;
      sim.ui.signIn(res);
    } catch (err) {
      if (err.code === "activation_required") {
        $("activate-info").textContent = err.message;
        const sent = err.data && err.data.activation && err.data.activation.sent;
        sim.ui.toast(sent ? dvcT("Đã gửi mã kích hoạt mới") : dvcT("Mã vừa gửi vẫn còn hiệu lực; có thể gửi lại sau một phút."));
        showError("activate-error", "");
      } else {
        showError("activate-error", err.message);
      }
    } finally {
      st.busy = false;
    }
  }

  function leaveActivation() {
    st.login = null;
    sim.ui.showLogin();
  }

  // ---- hand-over: "Chuyển SIM sang thiết bị khác" ----

  function startTransfer() {
    showError("sim-error", "");
    sim.passcode.open({
      purpose: dvcT("Nhập passcode để chuyển SIM sang thiết bị khác"),
      submit: (passcode) => api.simTransfer(passcode),
      onSuccess: (res) => showTransfer(res.transfer),
      onCancel: () => sim.ui.show("settings"),
      onError: (err) => {
        sim.ui.show("settings");
        showError("sim-error", err.message);
      },
    });
  }

  function showTransfer(t) {
    $("simt-qr").src = t.qr_svg_url;
    $("simt-code").textContent = t.code;
    // The code lives 10 minutes from now on the server. A remaining time outside that range
    // means the server runs on a demo clock (its Date header says otherwise): count 10 minutes.
    let left = sim.parseTime(t.expires_at) - sim.serverNow();
    if (Number.isNaN(left) || left <= 0 || left > TRANSFER_TTL_MS) left = TRANSFER_TTL_MS;
    st.expiresLocal = Date.now() + left;
    sim.ui.show("sim-transfer");
    tickTransfer();
  }

  // tickTransfer counts down and asks the server every few seconds whether the SIM has left.
  async function tickTransfer() {
    clearTimeout(st.timer);
    if (sim.ui.screen() !== "sim-transfer") return;
    const el = $("simt-countdown");
    const left = st.expiresLocal ? (st.expiresLocal - Date.now()) / 1000 : 0;
    if (st.expiresLocal && left <= 0) {
      el.textContent = dvcT("Mã đã hết hạn. Bấm “Xong” rồi tạo mã mới nếu cần.");
      el.classList.add("expired");
      return;
    }
    el.classList.remove("expired");
    el.textContent = st.expiresLocal ? dvcT("Mã hết hạn sau %s", sim.formatDuration(left)) : "";
    try {
      const me = await api.me();
      sim.ui.noteMe(me);
      if (!me.sim.held_by_this_device) {
        sim.ui.result({
          icon: "ok",
          title: dvcT("Đã chuyển SIM"),
          message: dvcT("SIM %s đã sang thiết bị mới. Tin nhắn SMS đến số này từ nay hiện trên thiết bị đó.", me.sim.phone_masked),
          buttons: ["home"],
        });
        return;
      }
    } catch (err) {
      if (sim.ui.signOutIfNeeded(err)) return;
    }
    st.timer = setTimeout(tickTransfer, TRANSFER_POLL_MS);
  }

  async function copyTransferCode() {
    const ok = await sim.copyText($("simt-code").textContent);
    sim.ui.toast(ok ? dvcT("Đã sao chép mã chuyển SIM") : dvcT("Không sao chép được. Hãy nhập mã bằng tay."));
  }

  // ---- "Nhận SIM từ thiết bị khác" ----

  // isTransfer tells a SIM transfer (its QR's URL or the code typed) from a login QR.
  function isTransfer(text) {
    const t = String(text || "").trim();
    return /\/app\/sim#/.test(t) || /^[0-9A-Za-z]{4}[- ]?[0-9A-Za-z]{4}[- ]?[0-9A-Za-z]{4}$/.test(t);
  }

  function openClaim(prefill) {
    $("simc-code").value = prefill ? String(prefill).replace(/^.*\/app\/sim#/, "") : "";
    showError("simc-error", "");
    sim.ui.show("sim-claim");
  }

  async function claim(text) {
    if (st.busy) return;
    st.busy = true;
    $("simc-submit").disabled = true;
    try {
      const res = await api.simClaim(text);
      const who = res.citizen && res.citizen.name ? dvcT(" của %s", res.citizen.name) : "";
      sim.ui.result({
        icon: "ok",
        title: dvcT("Đã nhận SIM"),
        message: dvcT("Thiết bị này đang giữ SIM %s%s. Tin nhắn SMS đến số này từ nay hiện ở đây; đăng nhập trên thiết bị này không cần mã kích hoạt.", res.sim.phone_masked, who),
        buttons: ["home"],
      });
      if (sim.ui.signedIn()) sim.ui.refreshMe();
    } catch (err) {
      if (sim.ui.screen() !== "sim-claim") openClaim(text);
      showError("simc-error", err.message);
    } finally {
      st.busy = false;
      $("simc-submit").disabled = false;
    }
  }

  function submitClaim(ev) {
    ev.preventDefault();
    const text = $("simc-code").value.trim();
    if (!text) {
      showError("simc-error", dvcT("Hãy nhập mã chuyển SIM (12 ký tự) hoặc quét mã QR."));
      $("simc-code").focus();
      return;
    }
    claim(text);
  }

  $("activate-form").addEventListener("submit", submitActivation);
  $("activate-resend").addEventListener("click", resendActivation);
  $("activate-back").addEventListener("click", leaveActivation);
  $("activate-code").addEventListener("input", (ev) => {
    const digits = ev.target.value.replace(/\D/g, "").slice(0, 6);
    if (digits !== ev.target.value) ev.target.value = digits;
  });
  $("sim-transfer").addEventListener("click", startTransfer);
  $("sim-claim-open").addEventListener("click", () => openClaim());
  $("login-sim-claim").addEventListener("click", () => openClaim());
  $("simt-copy").addEventListener("click", copyTransferCode);
  $("simt-done").addEventListener("click", () => sim.ui.openSettings());
  $("simt-back").addEventListener("click", () => sim.ui.openSettings());
  $("simc-form").addEventListener("submit", submitClaim);
  $("simc-scan").addEventListener("click", () => sim.ui.show("scan"));
  $("simc-back").addEventListener("click", () => sim.ui.home());

  sim.simcard = { render, askActivation, isTransfer, claim, openClaim };
})((window.PhoneSim = window.PhoneSim || {}));
