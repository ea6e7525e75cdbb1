// VNeID app simulator: the "Quét mã QR" screen. Three ways in: the live camera (only where the
// browser allows getUserMedia, i.e. HTTPS or localhost), a photo of the QR decoded on a canvas
// (works on plain HTTP too: the main way on a real phone on the office Wi-Fi), and pasted text.
// Decoding uses the vendored jsQR. Whatever is read is handed over as is.
"use strict";

(function (sim) {
  const $ = (id) => document.getElementById(id);
  const USE_PHOTO = dvcT("hãy dùng “Chụp ảnh / chọn ảnh mã QR”.");

  let onText = () => {};
  let active = false; // the scan screen is showing
  let stream = null;
  let timer = 0;
  let canvas = null;

  function context(w, h) {
    if (!canvas) canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
    return canvas.getContext("2d", { willReadFrequently: true });
  }

  function decoderReady() {
    return typeof window.jsQR === "function";
  }

  // The decoder is two thirds of the app's weight and only the scanner needs it: it loads
  // when the scan screen first opens (its address, with the file's version, is on #phone).
  let decoder = null;
  function loadDecoder() {
    if (decoderReady()) return Promise.resolve();
    if (!decoder) {
      decoder = new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = $("phone").dataset.decoder;
        s.onload = resolve;
        s.onerror = () => {
          decoder = null; // a later try may work
          s.remove();
          reject(new Error("decoder not loaded"));
        };
        document.head.appendChild(s);
      });
    }
    return decoder;
  }
  const NO_DECODER = dvcT("Chưa tải được bộ đọc mã QR. Hãy kiểm tra kết nối Wi-Fi rồi thử lại.");

  // decodeRegion draws a region of an image scaled so its longer side is at most max pixels
  // and looks for a QR code in it.
  function decodeRegion(src, sx, sy, sw, sh, max, inversion) {
    const scale = Math.min(1, max / Math.max(sw, sh));
    const w = Math.max(1, Math.round(sw * scale));
    const h = Math.max(1, Math.round(sh * scale));
    const ctx = context(w, h);
    ctx.drawImage(src, sx, sy, sw, sh, 0, 0, w, h);
    const img = ctx.getImageData(0, 0, w, h);
    const code = window.jsQR(img.data, w, h, { inversionAttempts: inversion });
    return code && code.data ? code.data : "";
  }

  // decodeImage tries a few scales and a centre crop: a phone photo of a screen is large and
  // the QR may fill only part of it.
  function decodeImage(src, w, h) {
    const tries = [
      [0, 0, w, h, 1024], [0, 0, w, h, 1600], [0, 0, w, h, 640],
      [w * 0.2, h * 0.2, w * 0.6, h * 0.6, 1200],
    ];
    for (const [sx, sy, sw, sh, max] of tries) {
      const text = decodeRegion(src, sx, sy, sw, sh, max, "attemptBoth");
      if (text) return text;
    }
    return "";
  }

  async function loadImage(file) {
    if (window.createImageBitmap) {
      try {
        const bmp = await createImageBitmap(file, { imageOrientation: "from-image" });
        return { src: bmp, w: bmp.width, h: bmp.height, done: () => bmp.close && bmp.close() };
      } catch (e) {
        // older engines: fall back to an <img>
      }
    }
    const url = URL.createObjectURL(file);
    const img = new Image();
    await new Promise((resolve, reject) => {
      img.onload = resolve;
      img.onerror = reject;
      img.src = url;
    });
    return { src: img, w: img.naturalWidth, h: img.naturalHeight, done: () => URL.revokeObjectURL(url) };
  }

  async function decodeFile(file) {
    let loaded;
    try {
      loaded = await loadImage(file);
    } catch (e) {
      return { error: dvcT("Không đọc được ảnh này. Hãy chụp lại hoặc chọn một ảnh khác.") };
    }
    try {
      const text = decodeImage(loaded.src, loaded.w, loaded.h);
      if (!text) {
        return { error: dvcT("Không tìm thấy mã QR trong ảnh. Hãy chụp lại sao cho mã QR nằm trọn và rõ nét trong khung hình.") };
      }
      return { text };
    } finally {
      loaded.done();
    }
  }

  function note(text) {
    $("scan-camera-note").textContent = text;
  }

  function showError(msg) {
    const el = $("scan-error");
    el.textContent = msg;
    el.classList.toggle("hidden", !msg);
  }

  function setBusy(busy, text) {
    const el = $("scan-busy");
    el.textContent = text || dvcT("Đang kiểm tra mã QR…");
    el.classList.toggle("hidden", !busy);
    $("scan-text-submit").disabled = busy;
    $("scan-file").disabled = busy;
    $("scan-file-gallery").disabled = busy;
    $("scan-photo").classList.toggle("is-disabled", busy);
  }

  // cameraBlocker says in one line why the live camera cannot run here, or "" when it can.
  function cameraBlocker() {
    if (!window.isSecureContext) {
      return dvcT("Camera trực tiếp cần HTTPS hoặc localhost; trên địa chỉ này %s", USE_PHOTO);
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return dvcT("Trình duyệt này không cho phép dùng camera trực tiếp; %s", USE_PHOTO);
    }
    return "";
  }

  function cameraErrorText(err) {
    switch (err && err.name) {
      case "NotAllowedError":
      case "SecurityError":
        return dvcT("Chưa được phép dùng camera; hãy cho phép trong trình duyệt hoặc %s", USE_PHOTO);
      case "NotFoundError":
      case "OverconstrainedError":
        return dvcT("Không tìm thấy camera; %s", USE_PHOTO);
      case "NotReadableError":
        return dvcT("Camera đang được ứng dụng khác dùng; %s", USE_PHOTO);
      default:
        return dvcT("Không mở được camera; %s", USE_PHOTO);
    }
  }

  function stopCamera() {
    clearTimeout(timer);
    timer = 0;
    if (stream) {
      stream.getTracks().forEach((t) => t.stop());
      stream = null;
    }
    const video = $("scan-video");
    video.srcObject = null;
    video.classList.add("hidden");
    $("scan-placeholder").classList.remove("hidden");
  }

  async function startCamera() {
    const blocker = cameraBlocker();
    if (blocker) {
      note(blocker);
      $("scan-camera-start").classList.add("hidden");
      return;
    }
    try {
      await loadDecoder();
    } catch (e) {
      note(NO_DECODER);
      $("scan-camera-start").classList.remove("hidden");
      return;
    }
    stopCamera();
    $("scan-camera-start").classList.add("hidden");
    note(dvcT("Đang mở camera…"));
    let s;
    try {
      s = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false });
    } catch (err) {
      note(cameraErrorText(err));
      $("scan-camera-start").classList.remove("hidden");
      return;
    }
    if (!active) {
      // The user left the screen while the browser was asking for permission.
      s.getTracks().forEach((t) => t.stop());
      return;
    }
    stream = s;
    const video = $("scan-video");
    video.srcObject = s;
    video.classList.remove("hidden");
    $("scan-placeholder").classList.add("hidden");
    try {
      await video.play();
    } catch (e) {
      // autoplay of a muted inline video is allowed; if not, frames still arrive once shown
    }
    note(dvcT("Đưa mã QR trên màn hình đăng nhập vào giữa khung hình."));
    timer = setTimeout(scanFrame, 250);
  }

  function scanFrame() {
    if (!stream || !active) return;
    const video = $("scan-video");
    if (video.readyState >= 2 && video.videoWidth > 0) {
      const text = decodeRegion(video, 0, 0, video.videoWidth, video.videoHeight, 720, "dontInvert");
      if (text) {
        stopCamera();
        $("scan-camera-start").classList.remove("hidden");
        note(dvcT("Đã đọc được mã QR."));
        onText(text);
        return;
      }
    }
    timer = setTimeout(scanFrame, 200);
  }

  async function pickFile(input) {
    const file = input.files && input.files[0];
    input.value = ""; // so that choosing the same photo again fires change again
    if (!file) return;
    showError("");
    setBusy(true, dvcT("Đang đọc mã QR trong ảnh…"));
    try {
      await loadDecoder();
    } catch (e) {
      setBusy(false);
      showError(NO_DECODER);
      return;
    }
    const res = await decodeFile(file);
    setBusy(false);
    if (res.error) {
      showError(res.error);
      return;
    }
    onText(res.text);
  }

  function submitText(ev) {
    ev.preventDefault();
    const text = $("scan-text").value.trim();
    if (!text) {
      showError(dvcT("Hãy dán nội dung mã QR (đường dẫn trong mã) vào ô bên trên."));
      $("scan-text").focus();
      return;
    }
    showError("");
    onText(text);
  }

  sim.scanner = {
    // init wires the screen once; handler receives every scanned text.
    init(handler) {
      onText = handler;
      $("scan-file").addEventListener("change", (ev) => pickFile(ev.target));
      $("scan-file-gallery").addEventListener("change", (ev) => pickFile(ev.target));
      $("scan-text-form").addEventListener("submit", submitText);
      $("scan-camera-start").addEventListener("click", () => startCamera());
    },
    // enter runs when the screen shows: the camera starts where it can.
    enter() {
      active = true;
      showError("");
      setBusy(false);
      loadDecoder().catch(() => {}); // early, so a photo can be read at once; errors show on use
      startCamera();
    },
    // leave stops the camera: it must never run behind another screen.
    leave() {
      active = false;
      stopCamera();
    },
    setBusy,
    showError,
  };
})((window.PhoneSim = window.PhoneSim || {}));
