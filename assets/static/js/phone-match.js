// VNeID app simulator: number matching on the QR confirmation ("Đối chiếu số", a setting of the
// console). When the scan's answer carries "numbers", the confirmation offers them; the
// citizen picks the one the computer shows, and "Xác nhận" sends that pick alone before the
// passcode is asked: a wrong pick ends the login there, and the passcode is never typed for it.
// The pick is final; the passcode's confirm repeats it.
"use strict";

(function (sim) {
  const $ = (id) => document.getElementById(id);

  let numbers = []; // the choices of the login on screen; none without number matching
  let chosen = 0; // the number selected on screen
  let sent = 0; // the pick the server took

  function showError(msg) {
    const el = $("confirm-error");
    el.textContent = msg;
    el.classList.toggle("hidden", !msg);
  }

  function update() {
    for (const b of $("match-choices").children) {
      const n = Number(b.dataset.number);
      b.setAttribute("aria-pressed", String(n === chosen));
      b.disabled = sent !== 0 && n !== sent;
    }
  }

  function select(n) {
    if (sent) return;
    chosen = n;
    showError("");
    update();
  }

  // render draws the choices of a scanned login (or hides them when it has none).
  function render(login) {
    numbers = Array.isArray(login.numbers) ? login.numbers.filter((n) => Number.isInteger(n)) : [];
    chosen = 0;
    sent = 0;
    $("confirm-match").classList.toggle("hidden", numbers.length === 0);
    const list = $("match-choices");
    list.textContent = "";
    for (const n of numbers) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "btn-match";
      b.id = "match-" + n;
      b.textContent = String(n);
      b.dataset.number = String(n);
      b.setAttribute("aria-label", dvcT("Chọn số %s", String(n)));
      b.addEventListener("click", () => select(n));
      list.appendChild(b);
    }
    update();
  }

  // beforePasscode makes sure the pick is taken before the passcode is asked. It resolves to
  // the number the confirm carries (0 without number matching), or null when the citizen
  // must pick first; a refusal (a wrong pick, a login ended meanwhile) is thrown.
  async function beforePasscode(login) {
    if (numbers.length === 0) return 0;
    if (sent) return sent;
    if (!chosen) {
      showError(dvcT("Hãy chọn số đang hiển thị trên màn hình máy tính trước khi nhập passcode."));
      const first = $("match-choices").firstElementChild;
      if (first) first.focus();
      return null;
    }
    await sim.api.pick(login.id, chosen);
    sent = chosen;
    update();
    return sent;
  }

  sim.match = { render, beforePasscode };
})((window.PhoneSim = window.PhoneSim || {}));
