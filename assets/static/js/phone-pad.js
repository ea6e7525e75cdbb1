// VNeID app simulator: the "Nhập passcode" pad. Six dots, a keypad of big buttons and the
// keyboard; it submits by itself at six digits and handles the passcode's own answers
// (wrong passcode, cooldown, lock). The flow that opened it handles everything else.
"use strict";

(function (sim) {
  const $ = (id) => document.getElementById(id);
  const pad = { digits: "", busy: false, waitUntil: 0, waitTimer: 0, opts: null };

  // open asks for the passcode. opts: purpose, submit(passcode) -> Promise, onSuccess(result),
  // onCancel(), onError(err) for errors the pad itself does not handle.
  function open(opts) {
    pad.opts = opts;
    pad.digits = "";
    pad.busy = false;
    $("passcode-purpose").textContent = opts.purpose;
    setError("");
    renderDots();
    updateKeys();
    sim.ui.show("passcode");
  }

  function renderDots() {
    const dots = $("passcode-dots");
    Array.from(dots.children).forEach((d, i) => d.classList.toggle("filled", i < pad.digits.length));
    dots.setAttribute("aria-label", dvcT("Đã nhập %d trên 6 chữ số", pad.digits.length));
  }

  function waiting() {
    return Date.now() < pad.waitUntil;
  }

  function updateKeys() {
    const off = pad.busy || waiting();
    for (const k of $("keypad").querySelectorAll("button")) k.disabled = off;
    $("keypad").classList.toggle("is-busy", pad.busy);
  }

  function setError(msg) {
    $("passcode-error").textContent = msg;
  }

  function press(d) {
    if (pad.busy || waiting() || pad.digits.length >= 6) return;
    pad.digits += d;
    renderDots();
    if (pad.digits.length === 6) submit();
  }

  function deleteDigit() {
    if (pad.busy || !pad.digits) return;
    pad.digits = pad.digits.slice(0, -1);
    renderDots();
  }

  function cancel() {
    if (pad.busy || !pad.opts) return;
    pad.digits = "";
    pad.opts.onCancel();
  }

  function shake() {
    const dots = $("passcode-dots");
    dots.classList.remove("shake");
    void dots.offsetWidth; // restart the animation
    dots.classList.add("shake");
  }

  // startWait disables the pad for the server's Retry-After. The cooldown belongs to the
  // account, so it outlives this opening of the pad.
  function startWait(seconds) {
    pad.waitUntil = Date.now() + seconds * 1000;
    clearInterval(pad.waitTimer);
    const el = $("passcode-wait");
    const tick = () => {
      const left = (pad.waitUntil - Date.now()) / 1000;
      if (left <= 0) {
        clearInterval(pad.waitTimer);
        el.classList.add("hidden");
        updateKeys();
        return;
      }
      el.textContent = dvcT("Có thể nhập lại sau %s", sim.formatDuration(left));
      el.classList.remove("hidden");
    };
    tick();
    pad.waitTimer = setInterval(tick, 1000);
    updateKeys();
  }

  async function submit() {
    const opts = pad.opts;
    pad.busy = true;
    updateKeys();
    setError("");
    let res;
    try {
      res = await opts.submit(pad.digits);
    } catch (err) {
      pad.busy = false;
      pad.digits = "";
      renderDots();
      updateKeys();
      // passcode_locked ends the app session server-side; unauthorized means it already ended.
      if (sim.ui.signOutIfNeeded(err)) return;
      switch (err.code) {
        case "invalid_passcode":
          shake();
          setError(err.message);
          return;
        case "rate_limited":
          setError(err.message);
          startWait(err.retryAfter || 30);
          return;
        case "network":
          setError(err.message);
          return;
        default:
          opts.onError(err);
          return;
      }
    }
    pad.busy = false;
    pad.digits = "";
    renderDots();
    updateKeys();
    opts.onSuccess(res);
  }

  function onKey(ev) {
    if (sim.ui.screen() !== "passcode" || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (/^[0-9]$/.test(ev.key)) {
      press(ev.key);
    } else if (ev.key === "Backspace") {
      deleteDigit();
    } else if (ev.key === "Escape") {
      cancel();
    } else {
      return;
    }
    ev.preventDefault();
  }

  $("keypad").addEventListener("click", (ev) => {
    const k = ev.target.closest("button");
    if (!k || k.disabled) return;
    if (k.dataset.digit !== undefined) press(k.dataset.digit);
    else if (k.id === "pk-del") deleteDigit();
  });
  $("passcode-cancel").addEventListener("click", cancel);
  $("passcode-dots").addEventListener("animationend", () => $("passcode-dots").classList.remove("shake"));
  document.addEventListener("keydown", onKey);

  sim.passcode = {
    open,
    // busy reports a passcode being checked right now.
    busy: () => pad.busy,
  };
})((window.PhoneSim = window.PhoneSim || {}));
