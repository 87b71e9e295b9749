// The staff inbox: live updates over a websocket, actions and replies without reloading the page.
// Every fragment put into the page comes from the server, which escapes all text of people and staff.
(() => {
  "use strict";

  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const me = (document.querySelector('meta[name="staff-key"]') || {}).content || "";
  const main = document.querySelector("main");
  const live = document.getElementById("live");
  const count = document.getElementById("waiting-count");
  const title = document.querySelector("title");
  const conversationId = main.id === "conversation" ? main.dataset.id : null;
  const jsonHeaders = { Accept: "application/json" };

  function setWaiting(waiting) {
    count.textContent = waiting ? String(waiting) : "";
    title.textContent = (waiting ? `(${waiting}) ` : "") + title.dataset.base;
  }

  async function getJson(url) {
    const response = await fetch(url, { headers: jsonHeaders, credentials: "same-origin" });
    if (response.status === 401) {
      location.href = "/login?next=" + encodeURIComponent(location.pathname);
      throw new Error("logged out");
    }
    return response.json();
  }

  function newKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // --- showing what changed -------------------------------------------------------------------

  async function refreshInbox() {
    const data = await getJson("/staff/parts/inbox");
    document.getElementById("lists").innerHTML = data.html;
    setWaiting(data.waiting);
  }

  async function refreshConversation() {
    // Only a page the colleague can see marks the conversation as read.
    const seen = document.visibilityState === "visible" ? "?seen=1" : "";
    const data = await getJson(`/staff/c/${conversationId}/parts${seen}`);
    setWaiting(data.waiting);
    if (data.gone) {
      document.getElementById("summary").textContent = "Dieses Gespräch wurde gelöscht.";
      for (const id of ["actions", "messages", "composer"]) document.getElementById(id).replaceChildren();
      return;
    }
    document.getElementById("summary").innerHTML = data.summary;
    document.getElementById("actions").innerHTML = data.actions;
    const messages = document.getElementById("messages");
    const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 60;
    messages.innerHTML = data.messages;
    if (atBottom) messages.scrollTop = messages.scrollHeight;
    const composer = document.getElementById("composer");
    if (composer.dataset.mode !== data.mode) {
      // A half-written reply survives (e.g. the person switched language: new templates, same draft).
      const draft = document.getElementById("reply-text");
      const kept = draft ? draft.value : "";
      composer.innerHTML = data.composer;
      composer.dataset.mode = data.mode;
      prepareReply();
      const fresh = document.getElementById("reply-text");
      if (fresh && kept) fresh.value = kept;
    }
  }

  let running = null;
  let again = false;
  function refresh() {
    if (running) {
      again = true;
      return running;
    }
    running = (conversationId ? refreshConversation() : refreshInbox())
      .catch(() => {})
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          refresh();
        }
      });
    return running;
  }

  // --- acting -----------------------------------------------------------------------------------

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { ...jsonHeaders, "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    let data = {};
    try {
      data = await response.json();
    } catch (_) {
      data = { error: "Das hat nicht geklappt. Bitte laden Sie die Seite neu." };
    }
    if (!response.ok) throw new Error(data.error || "Das hat nicht geklappt.");
    return data;
  }

  // --- reply templates: inserted at the cursor in the person's language, then edited or sent ------------

  function insertTemplate(button) {
    const text = document.getElementById("reply-text");
    if (!text) return;
    const value = button.dataset.text || "";
    const start = text.selectionStart ?? text.value.length;
    const end = text.selectionEnd ?? text.value.length;
    const before = text.value.slice(0, start);
    const glue = before && !/\s$/.test(before) ? " " : "";
    text.value = before + glue + value + text.value.slice(end);
    const cursor = (before + glue + value).length;
    text.focus();
    text.setSelectionRange(cursor, cursor);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("button.template");
    if (button) {
      event.preventDefault();
      insertTemplate(button);
    }
  });

  document.addEventListener("keydown", (event) => {
    // Alt+T: to the templates (then Tab/arrows and Enter); Escape there: back to the reply.
    if (event.altKey && !event.ctrlKey && !event.metaKey && (event.key === "t" || event.key === "T")) {
      const first = document.querySelector("button.template");
      if (first) {
        event.preventDefault();
        first.focus();
      }
    } else if (event.key === "Escape" && event.target.classList && event.target.classList.contains("template")) {
      const text = document.getElementById("reply-text");
      if (text) text.focus();
    } else if (["ArrowDown", "ArrowUp"].includes(event.key) && event.target.classList && event.target.classList.contains("template")) {
      const all = Array.from(document.querySelectorAll("button.template"));
      const next = all[(all.indexOf(event.target) + (event.key === "ArrowDown" ? 1 : all.length - 1)) % all.length];
      event.preventDefault();
      next.focus();
    }
  });

  function prepareReply() {
    const form = document.getElementById("reply");
    if (!form) return;
    form.elements.key.value = newKey();
    const text = form.elements.text;
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }

  async function sendReply(form) {
    const text = form.elements.text;
    const button = form.querySelector("button[type=submit]");
    const error = document.getElementById("reply-error");
    if (!text.value.trim()) return;
    button.disabled = true;
    error.textContent = "";
    try {
      await post(form.action, { text: text.value, key: form.elements.key.value });
      text.value = "";
      form.elements.key.value = newKey();
      await refresh();
      const messages = document.getElementById("messages");
      messages.scrollTop = messages.scrollHeight;
    } catch (failure) {
      error.textContent = failure.message;
    } finally {
      button.disabled = false;
      text.focus();
    }
  }

  async function act(form) {
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    const body = {};
    for (const [name, value] of new FormData(form)) if (name !== "csrf_token") body[name] = value;
    try {
      await post(form.action, body);
      const done = form.action.match(/\/(close|erase|release)$/);
      if (done && conversationId) location.href = "/staff/";
      else {
        if (form.dataset.reset) {
          form.reset();
          const open = form.closest("details");
          if (open) open.open = false;
        }
        await refresh();
      }
    } catch (failure) {
      window.alert(failure.message);
      await refresh();
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.id === "reply") {
      event.preventDefault();
      sendReply(form);
    } else if (form.classList.contains("action")) {
      event.preventDefault();
      act(form);
    }
  });

  // --- live updates -----------------------------------------------------------------------------

  let delay = 1000;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/staff/ws");
    socket.addEventListener("open", () => {
      delay = 1000;
      live.textContent = "live";
      live.className = "live on";
      refresh(); // whatever changed while the connection was away
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type !== "change") return;
      refresh();
      if (message.what === "started") notify("Eine neue Anfrage wartet.");
      else if (message.what === "handed" && me && message.to === me) notify("Ihnen wurde ein Gespräch übergeben.");
    });
    socket.addEventListener("close", () => {
      live.textContent = "Verbindung unterbrochen – verbinde neu …";
      live.className = "live off";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }

  // --- telling a colleague: a sound and a desktop notice, both opted into, also while the tab is visible ---

  const notifyButton = document.getElementById("notify");
  const soundButton = document.getElementById("sound");
  let audio = null;

  function soundOn() {
    return localStorage.getItem("staff-sound") === "on";
  }

  function showSound() {
    soundButton.setAttribute("aria-pressed", String(soundOn()));
  }

  function beep() {
    if (!soundOn()) return;
    try {
      audio = audio || new AudioContext();
      const tone = audio.createOscillator();
      const volume = audio.createGain();
      tone.frequency.value = 880;
      volume.gain.setValueAtTime(0.2, audio.currentTime);
      volume.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      tone.connect(volume).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.4);
    } catch (_) {
      // No sound device: the title and the badge still say it.
    }
  }

  function notify(body) {
    beep();
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    if (localStorage.getItem("staff-notify") === "off") return;
    // Deliberately without name or text: notices can show on a locked screen.
    new Notification("Posteingang", { body, tag: "staff-inbox" });
  }

  function showNotify() {
    if (!("Notification" in window) || Notification.permission === "denied") {
      notifyButton.hidden = true;
      return;
    }
    const on = Notification.permission === "granted" && localStorage.getItem("staff-notify") !== "off";
    notifyButton.hidden = false;
    notifyButton.setAttribute("aria-pressed", String(on));
  }

  if (soundButton) {
    showSound();
    soundButton.addEventListener("click", () => {
      localStorage.setItem("staff-sound", soundOn() ? "off" : "on");
      showSound();
      if (soundOn()) {
        // Browsers let a page play sound only after a click: this one unlocks it, and plays a sample.
        audio = audio || new AudioContext();
        if (audio.resume) audio.resume();
        beep();
      }
    });
  }
  if (notifyButton) {
    showNotify();
    notifyButton.addEventListener("click", async () => {
      if (Notification.permission === "default") {
        await Notification.requestPermission();
        localStorage.setItem("staff-notify", "on");
      } else {
        localStorage.setItem("staff-notify", localStorage.getItem("staff-notify") === "off" ? "on" : "off");
      }
      showNotify();
    });
  }

  // A conversation page marks what it shows as read once the colleague looks at it again.
  document.addEventListener("visibilitychange", () => {
    if (conversationId && document.visibilityState === "visible") refresh();
  });

  prepareReply();
  const messages = document.getElementById("messages");
  if (messages) messages.scrollTop = messages.scrollHeight;
  connect();
  // Waiting times move on even when nothing happens.
  setInterval(refresh, 60000);
})();
