// Login page behaviour: tabs without reload, show/hide password, digits-only fields and the
// "Gửi lại mã" countdown. Everything also works without this script.
(function () {
  'use strict';

  function selectTab(name) {
    ['qr', 'password'].forEach(function (t) {
      var tab = document.getElementById('tab-' + t);
      var panel = document.getElementById('panel-' + t);
      if (!tab || !panel) return;
      var on = t === name;
      tab.classList.toggle('active', on);
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
      tab.setAttribute('tabindex', on ? '0' : '-1');
      panel.classList.toggle('hidden', !on);
    });
    document.dispatchEvent(new CustomEvent('idp:tab', { detail: name }));
    if (name === 'password') {
      var f = document.getElementById('username');
      if (f && !f.value) f.focus();
    }
  }

  // The ARIA tab pattern: one tab in the Tab order (the selected one); the arrow keys, Home
  // and End move between tabs and select them.
  var names = ['qr', 'password'];
  function activate(t) {
    var tab = document.getElementById('tab-' + t);
    selectTab(t);
    history.replaceState(null, '', tab.getAttribute('href'));
  }
  names.forEach(function (t, i) {
    var tab = document.getElementById('tab-' + t);
    if (!tab) return;
    tab.setAttribute('tabindex', tab.getAttribute('aria-selected') === 'true' ? '0' : '-1');
    tab.addEventListener('click', function (e) {
      e.preventDefault();
      activate(t);
    });
    tab.addEventListener('keydown', function (e) {
      var next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: names.length - 1 }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      var t2 = names[(next + names.length) % names.length];
      activate(t2);
      document.getElementById('tab-' + t2).focus();
    });
  });

  var toggle = document.getElementById('password-toggle');
  var pw = document.getElementById('password');
  if (toggle && pw) {
    toggle.addEventListener('click', function () {
      var show = pw.type === 'password';
      pw.type = show ? 'text' : 'password';
      toggle.textContent = show ? dvcT("Ẩn") : dvcT("Hiện");
      toggle.setAttribute('aria-pressed', show ? 'true' : 'false');
    });
  }

  ['username', 'otp'].forEach(function (id) {
    var el = document.getElementById(id);
    if (!el) return;
    el.addEventListener('input', function () {
      var v = el.value.replace(/\D+/g, '');
      if (v !== el.value) el.value = v;
    });
  });

  // Submit once: a double click must not send two password attempts.
  ['password-form', 'otp-form'].forEach(function (id) {
    var form = document.getElementById(id);
    if (!form) return;
    form.addEventListener('submit', function () {
      var b = form.querySelector('button[type=submit]');
      if (b) setTimeout(function () { b.disabled = true; }, 0);
    });
  });

  // Every button that sends a new SMS ("Gửi lại mã", "Nhận mã OTP qua tin nhắn SMS") waits out
  // the resend interval visibly, with its own countdown beside it.
  Array.prototype.forEach.call(document.querySelectorAll('button[data-wait]'), function (button) {
    var wait = button.parentNode.querySelector('.resend-wait');
    var left = parseInt(button.getAttribute('data-wait') || '0', 10);
    var tick = function () {
      if (left > 0) {
        button.disabled = true;
        if (wait) wait.textContent = dvcT("(sau %d giây)", left);
        left -= 1;
        setTimeout(tick, 1000);
      } else {
        button.disabled = false;
        if (wait) wait.textContent = '';
      }
    };
    tick();
  });
})();
