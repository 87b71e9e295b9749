// The staff inbox: live updates over a websocket, actions and replies without reloading the page.
// Every fragment put into the page comes from the server, which escapes all text of people and staff.
(() => {
  "use strict";

  const csrf = document.querySelector('meta[name="csrf-token"]').content;
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
    main.innerHTML = data.html;
    setWaiting(data.waiting);
  }

  async function refreshConversation() {
    const data = await getJson(`/staff/c/${conversationId}/parts`);
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
      composer.innerHTML = data.composer;
      composer.dataset.mode = data.mode;
      prepareReply();
    }
  }

  let running = null;
  let again = false;
  function refresh() {
    if (running) {
      again = true;
      return running;
    }
    // Other pages (e.g. /staff/availability) keep the socket for presence but have no list to refresh.
    const refreshing = conversationId ? refreshConversation() : main.id === "inbox" ? refreshInbox() : Promise.resolve();
    running = refreshing
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
      else await refresh();
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
      if (message.what === "started") notify();
    });
    socket.addEventListener("close", () => {
      live.textContent = "Verbindung unterbrochen – verbinde neu …";
      live.className = "live off";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }

  // --- a desktop notice for a new request, while the inbox is in the background ---------------

  const notifyButton = document.getElementById("notify");
  function notify() {
    if (!("Notification" in window) || Notification.permission !== "granted" || !document.hidden) return;
    // Deliberately without name or text: notices can show on a locked screen.
    new Notification("Posteingang", { body: "Eine neue Anfrage wartet.", tag: "staff-inbox" });
  }
  if ("Notification" in window && Notification.permission === "default") {
    notifyButton.hidden = false;
    notifyButton.addEventListener("click", async () => {
      await Notification.requestPermission();
      notifyButton.hidden = true;
    });
  }

  prepareReply();
  const messages = document.getElementById("messages");
  if (messages) messages.scrollTop = messages.scrollHeight;
  connect();
  // Waiting times move on even when nothing happens.
  setInterval(refresh, 60000);
})();
