// Every page: the browser's own form-check bubbles ("Please fill out this field.") speak the
// browser's language; this makes them speak the page's (i18n.js). A field's title, when it has one, is the
// message for a wrong format (it already says what is expected). The server checks again.
(function () {
  "use strict";

  function message(el) {
    var v = el.validity;
    if (v.valueMissing) {
      return el.type === "checkbox" || el.type === "radio" || el.tagName === "SELECT"
        ? dvcT("Vui lòng chọn mục này.")
        : el.type === "file" ? dvcT("Vui lòng chọn tệp.") : dvcT("Vui lòng nhập thông tin này.");
    }
    if (v.patternMismatch || v.typeMismatch || v.badInput) {
      return el.title || dvcT("Giá trị chưa đúng định dạng.");
    }
    if (v.tooShort) return dvcT("Vui lòng nhập ít nhất %d ký tự.", el.minLength);
    if (v.tooLong) return dvcT("Vui lòng nhập không quá %d ký tự.", el.maxLength);
    if (v.rangeUnderflow) return dvcT("Giá trị nhỏ nhất là %s.", el.min);
    if (v.rangeOverflow) return dvcT("Giá trị lớn nhất là %s.", el.max);
    if (v.stepMismatch) return dvcT("Giá trị chưa hợp lệ.");
    return "";
  }

  // "invalid" does not bubble: listen in the capture phase, once for the whole page.
  document.addEventListener("invalid", function (ev) {
    var el = ev.target;
    if (!el.setCustomValidity) return;
    el.setCustomValidity("");
    if (!el.validity.valid) el.setCustomValidity(message(el));
  }, true);
  // Typing clears the message, so the field is checked afresh on the next submit.
  document.addEventListener("input", function (ev) {
    if (ev.target.setCustomValidity) ev.target.setCustomValidity("");
  }, true);
  document.addEventListener("change", function (ev) {
    if (ev.target.setCustomValidity) ev.target.setCustomValidity("");
  }, true);
})();
