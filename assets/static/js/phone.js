// VNeID app simulator: the screens and the flows between them (sign in, home, the scan result,
// the web-login permission, confirmation with the passcode, settings), then the start. The
// scanner, the passcode pad, the inbox and the authenticator-app setting live in their own
// files. Every server call goes through PhoneSim.api; every text from the server is shown with
// textContent.
"use strict";

(function (sim) {
  const $ = (id) => document.getElementById(id);
  const api = sim.api;

  const PENDING_KEY = "vneid-sim.pending-scan";
  const PENDING_TTL_MS = 5 * 60 * 1000; // a login QR is long dead after this
  const SIGNED_OUT_NOTE = dvcT("Bạn đã được đăng xuất khỏi ứng dụng VNeID");
  const TAB_SCREENS = new Set(["home", "messages", "settings"]);
  const DEFAULT_CLIENT = dvcT("Cổng Dịch vụ công Quốc gia");

  const state = {
    screen: "loading",
    me: null, // {citizen:{id_number,name,level}, web_login_enabled, totp_enabled, sim:{phone_masked,held_by_this_device}}
    pendingScan: "", // text scanned before the app was signed in
    permScan: "", // text whose login waits for the "Đăng nhập trên website" permission
    scanning: false,
    login: null, // the login being confirmed
    expiresLocal: 0, // its expiry on the phone's clock
    stopCountdown: null, // stops the confirmation's countdown
    followTimer: 0,
    resultTimer: 0,
    resultActions: {},
    toastTimer: 0,
  };

  // ---- screens ----

  function show(name) {
    if (state.screen === "scan" && name !== "scan") sim.scanner.leave();
    if (state.screen === "confirm" && name !== "confirm") stopCountdown();
    clearTimeout(state.resultTimer);
    for (const s of document.querySelectorAll(".screen")) {
      s.classList.toggle("hidden", s.id !== "screen-" + name);
    }
    state.screen = name;
    $("phone").dataset.screen = name;
    $("tabbar").classList.toggle("hidden", !TAB_SCREENS.has(name));
    for (const tab of document.querySelectorAll(".tab")) {
      const on = tab.dataset.nav === name;
      tab.classList.toggle("active", on);
      if (on) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    }
    $("screens").scrollTop = 0;
    const heading = document.querySelector("#screen-" + name + " h1");
    if (heading) heading.focus({ preventScroll: true });
    if (name === "scan") sim.scanner.enter();
    sim.inbox.screenChanged(name);
  }

  function showLoading(text) {
    $("screen-loading").querySelector("p").textContent = text || dvcT("Đang tải…");
    show("loading");
  }

  function toast(text) {
    const el = $("toast");
    el.textContent = text;
    el.classList.remove("hidden");
    clearTimeout(state.toastTimer);
    state.toastTimer = setTimeout(() => el.classList.add("hidden"), 2800);
  }

  // showResult draws the result screen: icon ok|fail|info, a title, the message, and the
  // buttons named (rescan, retry, ok, home). auto runs after autoMs unless the user moves on.
  function showResult(o) {
    $("result-icon").src = "/static/img/phone-" + (o.icon || "fail") + ".svg";
    $("result-title").textContent = o.title || "";
    $("result-message").textContent = o.message || "";
    $("result-note").textContent = o.note || "";
    const buttons = o.buttons || [];
    for (const b of ["rescan", "retry", "ok", "home"]) {
      $("result-" + b).classList.toggle("hidden", !buttons.includes(b));
    }
    state.resultActions = o.actions || {};
    show("result");
    if (o.auto) state.resultTimer = setTimeout(o.auto, o.autoMs || 3000);
  }

  function signedIn() {
    return Boolean(state.me && sim.token.get());
  }

  function goHome() {
    if (!signedIn()) {
      showLogin();
      return;
    }
    renderAccount();
    show("home");
    refreshMe();
  }

  // refreshMe reloads the account in the background: the SIM may have moved meanwhile.
  async function refreshMe() {
    try {
      state.me = await api.me();
      renderAccount();
    } catch (err) {
      signOutIfNeeded(err);
    }
  }

  // ---- session ----

  // dropSession forgets the app session on this phone: token, polling, pending work.
  function dropSession() {
    sim.token.clear();
    sim.inbox.stop();
    state.me = null;
    state.login = null;
    state.permScan = "";
    closePermDialog();
    sim.totp.reset();
  }

  // signOutIfNeeded ends the app session when the server says it is over: the token is not
  // valid any more, or the passcode was locked (which ends the app session server-side).
  function signOutIfNeeded(err) {
    if (err.code !== "unauthorized" && err.code !== "passcode_locked") return false;
    dropSession();
    showLogin({ error: err.message });
    return true;
  }

  function showLogin(opts) {
    opts = opts || {};
    const note = $("login-note");
    const text = opts.error || opts.note || "";
    note.textContent = text;
    note.className = "alert " + (opts.error ? "alert-error" : "alert-info") + (text ? "" : " hidden");
    $("login-error").classList.add("hidden");
    $("login-pending").classList.toggle("hidden", !state.pendingScan);
    $("login-password").value = "";
    setPasswordVisible(false);
    show("login");
  }

  function loginError(msg) {
    const el = $("login-error");
    el.textContent = msg;
    el.classList.remove("hidden");
  }

  function setPasswordVisible(on) {
    $("login-password").type = on ? "text" : "password";
    const b = $("login-password-toggle");
    b.textContent = on ? dvcT("Ẩn") : dvcT("Hiện");
    b.setAttribute("aria-pressed", String(on));
    b.setAttribute("aria-label", on ? dvcT("Ẩn mật khẩu") : dvcT("Hiện mật khẩu"));
  }

  async function submitLogin(ev) {
    ev.preventDefault();
    const id = $("login-id").value.replace(/\s+/g, "");
    const password = $("login-password").value;
    $("login-error").classList.add("hidden");
    if (!/^\d{12}$/.test(id)) {
      loginError(dvcT("Số định danh cá nhân phải gồm đúng 12 chữ số."));
      $("login-id").focus();
      return;
    }
    if (!password) {
      loginError(dvcT("Vui lòng nhập mật khẩu."));
      $("login-password").focus();
      return;
    }
    const btn = $("login-submit");
    btn.disabled = true;
    btn.textContent = dvcT("Đang đăng nhập…");
    try {
      signIn(await api.login(id, password));
    } catch (err) {
      if (err.code === "activation_required") {
        // This phone does not hold the citizen's SIM: the code went by SMS to the SIM.
        sim.simcard.askActivation(id, password, err);
        return;
      }
      loginError(err.message);
    } finally {
      btn.disabled = false;
      btn.textContent = dvcT("Đăng nhập");
    }
  }

  // signIn starts the app session of a successful login answer.
  function signIn(res) {
    sim.token.set(res.token);
    state.me = { citizen: res.citizen, web_login_enabled: res.web_login_enabled, totp_enabled: res.totp_enabled, sim: res.sim };
    afterSignIn();
  }

  function afterSignIn() {
    $("login-password").value = "";
    $("login-note").classList.add("hidden");
    renderAccount();
    sim.inbox.start();
    const pending = takePending();
    if (pending) runScan(pending);
    else goHome();
  }

  async function logout() {
    const btn = $("logout");
    btn.disabled = true;
    try {
      await api.logout();
    } catch (err) {
      // The token is dropped on this phone whatever the server answered.
    } finally {
      btn.disabled = false;
    }
    dropSession();
    showLogin({ note: dvcT("Bạn đã đăng xuất khỏi ứng dụng VNeID.") });
  }

  function renderAccount() {
    if (!state.me) return;
    const c = state.me.citizen;
    $("home-name").textContent = c.name;
    $("home-level").textContent = dvcT("Tài khoản định danh điện tử mức %d", c.level);
    $("settings-name").textContent = c.name;
    $("settings-id").textContent = sim.maskIDNumber(c.id_number);
    $("settings-level").textContent = dvcT("Mức %d", c.level);
    sim.simcard.render(state.me);
  }

  // ---- a scan that arrived before sign-in ----

  function setPending(text) {
    state.pendingScan = text;
    try {
      sessionStorage.setItem(PENDING_KEY, JSON.stringify({ text, at: Date.now() }));
    } catch (e) {
      // no storage: the pending scan lives in memory only
    }
  }

  function takePending() {
    const text = state.pendingScan;
    state.pendingScan = "";
    try {
      sessionStorage.removeItem(PENDING_KEY);
    } catch (e) {
      // nothing stored
    }
    return text;
  }

  function loadPending() {
    try {
      const p = JSON.parse(sessionStorage.getItem(PENDING_KEY) || "null");
      if (p && p.text && Date.now() - p.at < PENDING_TTL_MS) return p.text;
      sessionStorage.removeItem(PENDING_KEY);
    } catch (e) {
      // unreadable: ignore
    }
    return "";
  }

  // readSIMFragment handles /app/sim#CODE, the URL in the QR of a SIM transfer code.
  function readSIMFragment() {
    if (!/\/sim\/?$/.test(location.pathname) || location.hash.length < 2) return "";
    const text = location.href;
    history.replaceState(null, "", "/app/");
    return text;
  }

  // readScanFragment handles /app/scan#FRAME, the URL a phone's own camera app opens from the
  // login QR. The full URL is what the QR encodes, so that is what is sent.
  function readScanFragment() {
    if (!/\/scan\/?$/.test(location.pathname) || location.hash.length < 2) return "";
    const text = location.href;
    // A reload must not scan again, and the frame should not linger in the address bar.
    history.replaceState(null, "", "/app/");
    return text;
  }

  // readDeviceQuery handles /app/device?user_code=CODE, the address in a counter's QR (RFC 8628).
  function readDeviceQuery() {
    if (!/\/device\/?$/.test(location.pathname) || !location.search) return "";
    const text = location.href;
    history.replaceState(null, "", "/app/");
    return text;
  }

  // ---- scanning ----

  function openScanner() {
    show("scan");
  }

  const SCAN_TITLES = {
    account_level_insufficient: dvcT("Tài khoản chưa đủ mức định danh"),
    number_mismatch: dvcT("Số đã chọn không khớp"),
    qr_expired: dvcT("Yêu cầu đăng nhập không còn hiệu lực"),
    qr_already_used: dvcT("Mã QR đã được sử dụng"),
    rate_limited: dvcT("Thao tác quá nhiều lần"),
    network: dvcT("Không kết nối được"),
  };

  // scanFailed shows a failed step of the QR login with "Quét lại" and "Về trang chủ".
  function scanFailed(err) {
    showResult({
      icon: "fail",
      title: SCAN_TITLES[err.code] || dvcT("Không thể đăng nhập bằng mã QR"),
      message: err.message,
      buttons: ["rescan", "home"],
    });
  }

  async function runScan(text) {
    const code = sim.device.userCode(text);
    if (code) {
      // a counter's login code, not a web login's QR
      sim.device.open(code);
      return;
    }
    if (state.scanning) return;
    state.scanning = true;
    const fromScanner = state.screen === "scan";
    if (fromScanner) sim.scanner.setBusy(true);
    else if (state.screen !== "result") showLoading(dvcT("Đang kiểm tra mã QR…"));
    try {
      const res = await api.scan(text);
      showConfirm(res.login);
    } catch (err) {
      if (signOutIfNeeded(err)) return;
      if (err.code === "web_login_not_permitted") {
        // The server keeps this login open for this app session: after the permission is
        // granted the same text is scanned again.
        state.permScan = text;
        goHome();
        openPermDialog(err.message);
        return;
      }
      scanFailed(err);
    } finally {
      state.scanning = false;
      sim.scanner.setBusy(false);
    }
  }

  function openPermDialog(message) {
    $("perm-message").textContent = message;
    $("perm-dialog").classList.remove("hidden");
    $("perm-update").focus();
  }

  function closePermDialog() {
    $("perm-dialog").classList.add("hidden");
  }

  // ---- confirmation ----

  function showConfirm(login) {
    state.login = login;
    $("confirm-client").textContent = login.client_name || DEFAULT_CLIENT;
    $("confirm-browser").textContent = login.browser || dvcT("Không rõ");
    $("confirm-ip").textContent = login.ip || dvcT("Không rõ");
    $("confirm-time").textContent = sim.formatVN(login.requested_at);
    $("confirm-error").classList.add("hidden");
    sim.match.render(login);
    setConfirmBusy(false);
    state.expiresLocal = sim.localDeadline(login.requested_at, login.expires_at);
    show("confirm");
    startCountdown();
    followLogin(login.id);
  }

  // followLogin asks the server every 2 s where the login being decided stands, while the
  // confirmation screen or its passcode pad is open: a login cancelled on the desktop or
  // expired meanwhile ends here too, before anyone types a passcode for it.
  function followLogin(id) {
    stopFollowing();
    state.followTimer = setInterval(async () => {
      if (!state.login || state.login.id !== id || (state.screen !== "confirm" && state.screen !== "passcode")) {
        stopFollowing();
        return;
      }
      try {
        const res = await api.scanned(id);
        if (res.state !== "scanned" && state.login && state.login.id === id) loginEnded(res.state);
      } catch (err) {
        if (signOutIfNeeded(err)) stopFollowing();
        // A network hiccup: the next tick asks again; the countdown still runs.
      }
    }, 2000);
  }

  function stopFollowing() {
    clearInterval(state.followTimer);
    state.followTimer = 0;
  }

  // ENDED says what ended a login the phone was deciding, by its state on the server.
  const ENDED = {
    cancelled: {
      title: dvcT("Yêu cầu đăng nhập đã bị hủy trên máy tính"),
      message: dvcT("Không cần xác nhận nữa. Nếu bạn vẫn muốn đăng nhập, hãy tạo mã QR mới trên máy tính rồi quét lại."),
    },
    expired: {
      title: dvcT("Yêu cầu đăng nhập đã hết hạn"),
      message: dvcT("Hãy tải lại mã QR trên màn hình đăng nhập của máy tính rồi quét lại."),
    },
  };

  // loginEnded leaves the confirmation for a login that ended elsewhere: only "Quét lại" and
  // "Về trang chủ" remain.
  function loginEnded(serverState) {
    stopFollowing();
    stopCountdown();
    state.login = null;
    const ended = ENDED[serverState] || {
      title: dvcT("Yêu cầu đăng nhập đã kết thúc"),
      message: dvcT("Yêu cầu này không còn chờ bạn xác nhận."),
    };
    showResult({ icon: "info", title: ended.title, message: ended.message, buttons: ["rescan", "home"] });
  }

  function startCountdown() {
    stopCountdown();
    state.stopCountdown = sim.requestCountdown($("confirm-countdown"), state.expiresLocal, () => true,
      () => loginEnded("expired"));
  }

  function stopCountdown() {
    if (state.stopCountdown) state.stopCountdown();
    state.stopCountdown = null;
  }

  function setConfirmBusy(busy) {
    $("confirm-accept").disabled = busy;
    $("confirm-deny").disabled = busy;
    $("confirm-notme").disabled = busy;
  }

  async function acceptLogin() {
    const login = state.login;
    if (!login) return;
    // With number matching the pick goes first (phone-match.js).
    let number;
    setConfirmBusy(true);
    try {
      number = await sim.match.beforePasscode(login);
    } catch (err) {
      if (signOutIfNeeded(err)) return;
      scanFailed(err);
      return;
    } finally {
      setConfirmBusy(false);
    }
    if (number === null || state.login !== login) return;
    sim.passcode.open({
      purpose: dvcT("Nhập passcode để xác nhận đăng nhập %s", login.client_name || DEFAULT_CLIENT),
      submit: (passcode) => api.confirm(login.id, passcode, number),
      onSuccess: loginConfirmed,
      onCancel: () => {
        show("confirm");
        startCountdown();
      },
      onError: scanFailed,
    });
  }

  function loginConfirmed(res) {
    if (res && res.signed_out === false) {
      showResult({ icon: "ok", title: dvcT("Đăng nhập thành công"), buttons: ["home"] });
      return;
    }
    // The server has already ended the app session (seed: "tự động đăng xuất khỏi ứng dụng").
    dropSession();
    const finish = () => showLogin({ note: SIGNED_OUT_NOTE });
    showResult({
      icon: "ok",
      title: dvcT("Đăng nhập thành công"),
      message: dvcT("Ứng dụng sẽ tự động đăng xuất."),
      note: dvcT("Trang web trên máy tính sẽ tự chuyển vào Cổng Dịch vụ công Quốc gia."),
      buttons: ["ok"],
      actions: { ok: finish },
      auto: finish,
      autoMs: 4000,
    });
  }

  // denyLogin refuses the login: "Hủy", or "Không phải tôi" (notMe) when the citizen did not
  // start it; the server then records who asked and sends a notice to the inbox.
  async function denyLogin(notMe) {
    const login = state.login;
    if (!login) return;
    setConfirmBusy(true);
    try {
      await api.deny(login.id, notMe ? "not_me" : "");
      state.login = null;
      if (notMe) {
        stopFollowing();
        stopCountdown();
        showResult({
          icon: "info",
          title: dvcT("Đã từ chối yêu cầu đăng nhập"),
          message: dvcT("Trang đăng nhập trên website sẽ báo yêu cầu đã bị từ chối. Xem thông báo trong hộp thư của ứng dụng: nếu bạn không tự đăng nhập, hãy đổi mật khẩu và báo cho giảng viên hướng dẫn."),
          buttons: ["home"],
        });
        return;
      }
      showResult({
        icon: "info",
        title: dvcT("Đã từ chối yêu cầu đăng nhập"),
        message: dvcT("Trang đăng nhập trên website sẽ báo yêu cầu đã bị từ chối."),
        buttons: ["home"],
        auto: goHome,
        autoMs: 3000,
      });
    } catch (err) {
      setConfirmBusy(false);
      if (signOutIfNeeded(err)) return;
      scanFailed(err);
    }
  }

  // ---- settings: "Đăng nhập trên website" ----

  async function openSettings(opts) {
    opts = opts || {};
    $("settings-perm-hint").classList.toggle("hidden", !(opts.grant && state.permScan));
    fillSettings();
    show("settings");
    try {
      const me = await api.me();
      state.me = me;
      renderAccount();
      sim.totp.render(me);
      const toggle = $("weblogin-toggle");
      // Keep a change the user already started; otherwise show the server's current value.
      if (state.screen === "settings" && $("weblogin-confirm").disabled) toggle.checked = me.web_login_enabled;
    } catch (err) {
      signOutIfNeeded(err);
    }
  }

  function fillSettings() {
    renderAccount();
    sim.totp.render(state.me);
    $("weblogin-toggle").checked = Boolean(state.me && state.me.web_login_enabled);
    $("weblogin-confirm").disabled = true;
    $("settings-error").classList.add("hidden");
  }

  function toggleChanged() {
    $("settings-error").classList.add("hidden");
    $("weblogin-confirm").disabled = $("weblogin-toggle").checked === Boolean(state.me && state.me.web_login_enabled);
  }

  function confirmWebLogin() {
    const enable = $("weblogin-toggle").checked;
    sim.passcode.open({
      purpose: enable ? dvcT("Nhập passcode để bật “Đăng nhập trên website”") : dvcT("Nhập passcode để tắt “Đăng nhập trên website”"),
      submit: (passcode) => api.setWebLogin(enable, passcode),
      onSuccess: permissionSaved,
      onCancel: () => show("settings"),
      onError: (err) => {
        show("settings");
        const el = $("settings-error");
        el.textContent = err.message;
        el.classList.remove("hidden");
      },
    });
  }

  function permissionSaved(res) {
    if (!state.me) return;
    state.me.web_login_enabled = Boolean(res.web_login_enabled);
    if (state.permScan && state.me.web_login_enabled) {
      // Continue the login that asked for the permission, with the same scanned text.
      const text = state.permScan;
      state.permScan = "";
      showResult({ icon: "ok", title: dvcT("Cập nhật quyền thành công"), message: dvcT("Đang tiếp tục đăng nhập bằng mã QR vừa quét…") });
      state.resultTimer = setTimeout(() => runScan(text), 1200);
      return;
    }
    fillSettings();
    show("settings");
    toast(dvcT("Cập nhật quyền thành công"));
  }

  // ---- start ----

  async function boot() {
    const transfer = readSIMFragment();
    if (transfer) {
      // Receiving a SIM needs no sign-in; the account is loaded when there is one.
      if (sim.token.get()) await refreshMe();
      if (signedIn()) sim.inbox.start();
      sim.simcard.openClaim(transfer);
      return;
    }
    const scanned = readScanFragment() || readDeviceQuery();
    if (scanned) setPending(scanned);
    else state.pendingScan = state.pendingScan || loadPending();
    if (!sim.token.get()) {
      showLogin();
      return;
    }
    showLoading(dvcT("Đang tải…"));
    try {
      state.me = await api.me();
      afterSignIn();
    } catch (err) {
      if (err.code === "unauthorized") {
        sim.token.clear();
        state.me = null;
        showLogin({ error: err.message });
        return;
      }
      showResult({ icon: "fail", title: dvcT("Không kết nối được"), message: err.message, buttons: ["retry"], actions: { retry: boot } });
    }
  }

  function onHashChange() {
    const scanned = readScanFragment();
    if (!scanned) return;
    closePermDialog();
    if (signedIn()) {
      runScan(scanned);
    } else {
      setPending(scanned);
      showLogin();
    }
  }

  function wire() {
    $("login-form").addEventListener("submit", submitLogin);
    $("login-id").addEventListener("input", (ev) => {
      const digits = ev.target.value.replace(/\D/g, "").slice(0, 12);
      if (digits !== ev.target.value) ev.target.value = digits;
    });
    $("login-password-toggle").addEventListener("click", () => setPasswordVisible($("login-password").type === "password"));
    for (const b of document.querySelectorAll(".demo-fill")) {
      b.addEventListener("click", () => {
        $("login-id").value = b.dataset.idNumber;
        $("login-password").value = b.dataset.password;
        $("login-error").classList.add("hidden");
        $("login-submit").focus();
      });
    }

    $("scan-open").addEventListener("click", openScanner);
    $("tile-messages").addEventListener("click", sim.inbox.open);
    $("tile-settings").addEventListener("click", () => openSettings());
    $("logout").addEventListener("click", logout);
    $("nav-home").addEventListener("click", goHome);
    $("nav-scan").addEventListener("click", openScanner);
    $("nav-messages").addEventListener("click", sim.inbox.open);
    $("nav-settings").addEventListener("click", () => openSettings());
    $("scan-back").addEventListener("click", goHome);
    $("settings-back").addEventListener("click", goHome);
    $("messages-back").addEventListener("click", goHome);

    $("perm-update").addEventListener("click", () => {
      closePermDialog();
      openSettings({ grant: true });
    });
    $("perm-close").addEventListener("click", () => {
      closePermDialog();
      state.permScan = "";
      goHome();
    });

    $("confirm-accept").addEventListener("click", acceptLogin);
    $("confirm-deny").addEventListener("click", () => denyLogin(false));
    $("confirm-notme").addEventListener("click", () => denyLogin(true));

    $("weblogin-toggle").addEventListener("change", toggleChanged);
    $("weblogin-confirm").addEventListener("click", confirmWebLogin);

    $("result-rescan").addEventListener("click", () => (signedIn() ? openScanner() : showLogin()));
    $("result-home").addEventListener("click", goHome);
    $("result-retry").addEventListener("click", () => (state.resultActions.retry || goHome)());
    $("result-ok").addEventListener("click", () => (state.resultActions.ok || goHome)());

    window.addEventListener("hashchange", onHashChange);

    sim.scanner.init((text) => {
      if (sim.simcard.isTransfer(text)) {
        sim.simcard.claim(text);
        return;
      }
      if (!signedIn()) {
        setPending(text);
        showLogin();
        return;
      }
      runScan(text);
    });
  }

  // What the scanner, the pad and the inbox use of the screens and the session.
  sim.ui = {
    show,
    screen: () => state.screen,
    signedIn,
    signOutIfNeeded,
    toast,
    signIn,
    showLogin,
    home: goHome,
    result: showResult,
    refreshMe,
    openSettings: () => openSettings(),
    // noteMe records an account answer read elsewhere (the SIM screens).
    noteMe: (me) => {
      state.me = me;
      renderAccount();
    },
    account: () => (state.me ? state.me.citizen : null),
    // noteTOTP records a change of the authenticator app made in settings.
    noteTOTP: (enabled) => {
      if (state.me) state.me.totp_enabled = enabled;
    },
  };

  wire();
  boot();
})((window.PhoneSim = window.PhoneSim || {}));
