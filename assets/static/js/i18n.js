// Every page: dvcT(key, ...args) is a string of the page's language. The keys are the Vietnamese
// texts; a page in another language carries its dictionary in <script id="dvc-i18n">. Each %s
// or %d in the text takes the next argument.
(function () {
  "use strict";
  var dict = null;

  function load() {
    if (dict) return dict;
    dict = {};
    var el = document.getElementById("dvc-i18n");
    if (el) {
      try { dict = JSON.parse(el.textContent) || {}; } catch (e) { dict = {}; }
    }
    return dict;
  }

  window.dvcT = function (key) {
    var s = Object.prototype.hasOwnProperty.call(load(), key) ? dict[key] : key;
    var args = Array.prototype.slice.call(arguments, 1);
    var i = 0;
    return s.replace(/%[sd]/g, function (m) { return i < args.length ? String(args[i++]) : m; });
  };
})();
