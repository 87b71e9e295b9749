/*
 * The web chat widget of the Büro für Integrationsfragen, Hameln.
 * Plain JavaScript, no dependencies, no build step. It lives in a shadow root, so the host page's
 * styles do not leak in. Every text from the person, the assistant or staff is set with textContent.
 */
(function () {
  "use strict";

  const RETRY_FIRST_MS = 1000;
  const RETRY_LONGEST_MS = 30000;
  const RETRY_AFTER_HANG_UP_MS = 15000;
  const CLOSE_TOO_BIG = 1009;
  const CLOSE_POLICY = 1008;
  const AUTHORS = ["person", "assistant", "staff"];
  const CANCEL_PAYLOAD = "handover:cancel";
  // What staff can receive from the web chat; the server checks the content again.
  const FILE_TYPES = "image/jpeg,image/png,image/webp,application/pdf,.jpg,.jpeg,.png,.webp,.pdf";
  const MAX_FILE_BYTES = 10 * 1024 * 1024;
  const SOUND_KEY = "hameln-chat-sound";

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      node.setAttribute(name, value);
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function globe() {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "icon");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute(
      "d",
      "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm6.9 6h-3a15.7 15.7 0 0 0-1.4-3.6A8 8 0 0 1 18.9 8zM12 4c.8 1.2 1.5 2.5 1.9 4h-3.8c.4-1.5 1.1-2.8 1.9-4zM4.3 14a8.2 8.2 0 0 1 0-4h3.4a16.5 16.5 0 0 0 0 4H4.3zm.8 2h3c.3 1.3.8 2.5 1.4 3.6A8 8 0 0 1 5.1 16zm3-8h-3a8 8 0 0 1 4.4-3.6C8.9 5.5 8.4 6.7 8.1 8zM12 20c-.8-1.2-1.5-2.5-1.9-4h3.8c-.4 1.5-1.1 2.8-1.9 4zm2.3-6H9.7a14.7 14.7 0 0 1 0-4h4.6a14.7 14.7 0 0 1 0 4zm.3 5.6c.6-1.1 1.1-2.3 1.4-3.6h3a8 8 0 0 1-4.4 3.6zm1.7-5.6a16.5 16.5 0 0 0 0-4h3.4a8.2 8.2 0 0 1 0 4h-3.4z"
    );
    svg.append(path);
    return svg;
  }

  function primary(tag) {
    return String(tag || "").trim().replace("_", "-").split("-")[0].toLowerCase();
  }

  class Chat {
    constructor(root, options, strings) {
      this.root = root;
      this.options = options;
      this.strings = strings;
      this.floating = !options.target;
      this.socket = null;
      this.connected = false;
      this.started = false;
      this.retryMs = RETRY_FIRST_MS;
      this.retryTimer = null;
      this.handover = false;
      this.unread = 0;
      this.pageTitle = document.title;
      this.sound = this.soundWanted();
      this.language = this.startLanguage();
      this.build();
      this.applyLanguage(this.language);
    }

    startLanguage() {
      const wanted = [this.options.language, ...(navigator.languages || [navigator.language])].map(primary);
      const known = this.strings.languages.map((language) => language.code);
      return wanted.find((code) => known.includes(code)) || this.strings.default;
    }

    entry(code) {
      return (
        this.strings.languages.find((language) => language.code === code) ||
        this.strings.languages.find((language) => language.code === this.strings.default)
      );
    }

    get ui() {
      return this.entry(this.language).ui;
    }

    build() {
      const link = element("link", { rel: "stylesheet", href: this.options.origin + "/chat/static/widget.css" });
      this.frame = element("div", { class: "chat " + (this.floating ? "floating" : "inline") });
      this.root.replaceChildren(link, this.frame);

      if (this.floating) {
        this.launcher = element("button", { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "panel" });
        this.launcher.addEventListener("click", () => this.setOpen(true));
        this.frame.append(this.launcher);
      }
      this.panel = element("section", { class: "panel", id: "panel", "aria-labelledby": "title" });
      this.panel.hidden = this.floating;
      this.frame.append(this.panel);

      const header = element("header", { class: "header" });
      this.title = element("h2", { class: "title", id: "title" });
      this.languageToggle = element("button", {
        type: "button",
        class: "language-toggle",
        "aria-expanded": "false",
        "aria-controls": "languages",
      });
      this.languageToggle.addEventListener("click", () => this.toggleLanguages());
      this.soundToggle = element("button", { type: "button", class: "sound-toggle", "aria-pressed": String(this.sound) });
      this.soundToggle.append(element("span", { "aria-hidden": "true" }, "🔔"));
      this.soundLabel = element("span", { class: "visually-hidden" });
      this.soundToggle.append(this.soundLabel);
      this.soundToggle.addEventListener("click", () => this.toggleSound());
      header.append(this.title, this.languageToggle, this.soundToggle);
      if (this.floating) {
        this.closer = element("button", { type: "button", class: "close" });
        this.closer.append(element("span", { "aria-hidden": "true" }, "×"));
        this.closer.addEventListener("click", () => this.setOpen(false));
        header.append(this.closer);
      }

      this.languageList = element("ul", { class: "languages", id: "languages" });
      this.languageList.hidden = true;
      for (const language of this.strings.languages) {
        const attributes = { type: "button", lang: language.code, dir: language.rtl ? "rtl" : "ltr", "data-code": language.code };
        const button = element("button", attributes, language.name);
        button.addEventListener("click", () => this.chooseLanguage(language.code));
        const item = element("li");
        item.append(button);
        this.languageList.append(item);
      }

      // The live region is a box around the list: role=log on the <ol> itself would orphan its items.
      this.log = element("div", { class: "log", role: "log", "aria-live": "polite", "aria-labelledby": "title", tabindex: "0" });
      this.entries = element("ol", { class: "entries" });
      this.log.append(this.entries);
      this.suggestions = element("div", { class: "suggestions", role: "group" });
      this.suggestions.hidden = true;
      this.status = element("p", { class: "status", role: "status" });

      // While staff look after the chat: who is writing, the way back, files, and Telegram.
      this.team = element("div", { class: "team" });
      this.team.hidden = true;
      this.teamNote = element("p", { class: "team-note" });
      this.backButton = element("button", { type: "button", class: "back" });
      this.backButton.addEventListener("click", () => this.press({ payload: CANCEL_PAYLOAD, label: this.ui.back }));
      this.fileInput = element("input", { type: "file", accept: FILE_TYPES, class: "visually-hidden", id: "file", tabindex: "-1" });
      this.fileInput.addEventListener("change", () => {
        const file = this.fileInput.files && this.fileInput.files[0];
        this.fileInput.value = "";
        if (file) this.upload(file);
      });
      this.attachButton = element("button", { type: "button", class: "attach" });
      this.attachButton.addEventListener("click", () => this.fileInput.click());
      this.telegramLink = element("a", { class: "telegram", target: "_blank", rel: "noopener noreferrer" });
      this.telegramLink.hidden = true;
      this.telegramLink.addEventListener("click", () => this.addNotice(this.ui.moved, this.language, this.entry(this.language).rtl));
      const actions = element("div", { class: "team-actions" });
      actions.append(this.backButton, this.attachButton, this.telegramLink);
      this.team.append(this.teamNote, actions, this.fileInput);

      this.form = element("form", { class: "compose" });
      this.inputLabel = element("label", { class: "input-label", for: "input" });
      const row = element("div", { class: "row" });
      this.input = element("textarea", {
        id: "input",
        class: "input",
        rows: "2",
        maxlength: String(this.strings.max_chars),
        dir: "auto",
        autocomplete: "off",
      });
      this.send = element("button", { type: "submit", class: "send" });
      row.append(this.input, this.send);
      this.privacy = element("p", { class: "privacy" });
      this.form.append(this.inputLabel, row, this.privacy);
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.sendText();
      });
      this.input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.sendText();
        }
      });

      this.panel.append(header, this.languageList, this.log, this.suggestions, this.team, this.status, this.form);
      this.panel.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && !this.languageList.hidden) {
          this.toggleLanguages(false);
          this.languageToggle.focus();
        } else if (event.key === "Escape" && this.floating) {
          this.setOpen(false);
        }
      });
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") {
          this.markRead();
          this.reconnectSoon(0);
        }
      });
      window.addEventListener("focus", () => this.markRead());
      window.addEventListener("online", () => this.reconnectSoon(0));
    }

    applyLanguage(code) {
      const language = this.entry(code);
      this.language = language.code;
      const ui = language.ui;
      this.frame.setAttribute("lang", language.code);
      this.frame.setAttribute("dir", language.rtl ? "rtl" : "ltr");
      this.title.textContent = ui.title;
      this.languageToggle.replaceChildren(
        globe(),
        element("span", { class: "visually-hidden" }, ui.language + ": "),
        element("span", { class: "language-name" }, language.name)
      );
      for (const button of this.languageList.querySelectorAll("button")) {
        if (button.getAttribute("data-code") === language.code) button.setAttribute("aria-current", "true");
        else button.removeAttribute("aria-current");
      }
      this.languageList.setAttribute("aria-label", ui.language);
      this.suggestions.setAttribute("aria-label", ui.suggestions);
      this.inputLabel.textContent = ui.input_label;
      this.send.textContent = ui.send;
      this.privacy.textContent = this.handover ? ui.privacy_team : ui.privacy;
      if (this.launcher) this.launcher.textContent = ui.open;
      this.soundLabel.textContent = ui.sound;
      this.soundToggle.setAttribute("title", ui.sound);
      this.teamNote.textContent = ui.with_team;
      this.backButton.textContent = ui.back;
      this.attachButton.textContent = "📎 " + ui.attach;
      this.fileInput.setAttribute("aria-label", ui.attach);
      this.telegramLink.textContent = ui.telegram;
      if (this.closer) this.closer.setAttribute("aria-label", ui.close);
      if (this.status.textContent) this.showStatus(this.connected ? "" : this.started ? ui.offline : ui.connecting);
    }

    start() {
      if (!this.floating) this.connect();
    }

    setOpen(open) {
      this.panel.hidden = !open;
      this.frame.classList.toggle("open", open);
      this.launcher.setAttribute("aria-expanded", String(open));
      if (open) {
        if (!this.socket) this.connect();
        this.input.focus();
      } else {
        this.launcher.focus();
      }
    }

    toggleLanguages(show) {
      const open = show === undefined ? this.languageList.hidden : show;
      this.languageList.hidden = !open;
      this.languageToggle.setAttribute("aria-expanded", String(open));
      if (open) {
        const current = this.languageList.querySelector("[aria-current]") || this.languageList.querySelector("button");
        current.focus();
      }
    }

    chooseLanguage(code) {
      this.toggleLanguages(false);
      const language = this.entry(code);
      if (this.sendFrame({ type: "button", payload: "language:" + language.code })) {
        this.applyLanguage(language.code);
        this.addMessage("person", language.name);
        this.showSuggestions([]);
      }
      this.input.focus();
    }

    sendText() {
      const text = this.input.value;
      if (!text.trim()) return;
      if (this.sendFrame({ type: "message", text: text })) {
        this.addMessage("person", text);
        this.showSuggestions([]);
        this.input.value = "";
      }
      this.input.focus();
    }

    press(button) {
      if (button.payload.startsWith("language:")) {
        this.chooseLanguage(button.payload.slice("language:".length));
        return;
      }
      if (this.sendFrame({ type: "button", payload: button.payload })) {
        this.addMessage("person", button.label);
        this.showSuggestions([]);
      }
      this.input.focus();
    }

    sendFrame(frame) {
      if (!this.connected) {
        this.showStatus(this.ui.offline);
        this.reconnectSoon(0);
        return false;
      }
      this.socket.send(JSON.stringify(frame));
      return true;
    }

    connect() {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      if (this.socket && this.socket.readyState <= WebSocket.OPEN) return;
      this.showStatus(this.started ? this.ui.offline : this.ui.connecting);
      const url = new URL("/chat/ws", this.options.origin);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      url.searchParams.set("lang", this.language);
      const socket = new WebSocket(url.toString());
      this.socket = socket;
      socket.addEventListener("open", () => {
        this.connected = true;
        this.started = true;
        this.retryMs = RETRY_FIRST_MS;
        this.showStatus("");
      });
      socket.addEventListener("message", (event) => this.receive(event.data));
      socket.addEventListener("close", (event) => {
        if (this.socket !== socket) return;
        this.connected = false;
        this.socket = null;
        if (event.code === CLOSE_TOO_BIG) this.addNotice(this.ui.too_long, this.language, this.entry(this.language).rtl);
        this.showStatus(this.ui.offline);
        this.reconnectSoon(event.code === CLOSE_POLICY ? RETRY_AFTER_HANG_UP_MS : this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, RETRY_LONGEST_MS);
      });
    }

    reconnectSoon(delay) {
      if (this.socket || (this.floating && this.panel.hidden && !this.started)) return;
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.connect(), delay);
    }

    receive(data) {
      let frame;
      try {
        frame = JSON.parse(data);
      } catch (error) {
        return;
      }
      if (frame.type === "history") this.showHistory(frame);
      else if (frame.type === "reply") this.showReply(frame);
      else if (frame.type === "echo") this.addMessage("person", frame.text);
      else if (frame.type === "error") this.addNotice(frame.text, frame.language, frame.rtl);
      else if (frame.type === "handover") this.showHandover(frame);
    }

    showHandover(frame) {
      const active = frame.active === true;
      if (active && !this.handover) this.renewSession();
      this.handover = active;
      this.team.hidden = !active;
      // While staff look after the chat it is kept until the handover ends: the note says so.
      this.privacy.textContent = active ? this.ui.privacy_team : this.ui.privacy;
      const link = typeof frame.telegram === "string" && frame.telegram.startsWith("https://t.me/") ? frame.telegram : null;
      if (link) this.telegramLink.setAttribute("href", link);
      else if (frame.telegram !== undefined) this.telegramLink.removeAttribute("href");
      this.telegramLink.hidden = !this.telegramLink.getAttribute("href") || !active;
    }

    renewSession() {
      // The cookie now lives as long as staff look after the chat, so a reply is found days later.
      fetch(this.options.origin + "/chat/session", { method: "POST", credentials: "include" }).catch(() => {});
    }

    upload(file) {
      const rtl = this.entry(this.language).rtl;
      if (file.size > MAX_FILE_BYTES) {
        this.addNotice(this.ui.file_too_big, this.language, rtl);
        return;
      }
      const form = new FormData();
      form.append("file", file, file.name);
      const url = this.options.origin + "/chat/upload?lang=" + encodeURIComponent(this.language);
      fetch(url, { method: "POST", body: form, credentials: "include" })
        .then((response) => response.json())
        .then((answer) => {
          if (answer.ok) this.addMessage("person", "📎 " + answer.name);
          this.addNotice(answer.text, answer.language, rtl);
        })
        .catch(() => this.showStatus(this.ui.offline));
    }

    soundWanted() {
      try {
        return window.localStorage.getItem(SOUND_KEY) === "on";
      } catch (error) {
        return false;
      }
    }

    toggleSound() {
      this.sound = !this.sound;
      this.soundToggle.setAttribute("aria-pressed", String(this.sound));
      try {
        window.localStorage.setItem(SOUND_KEY, this.sound ? "on" : "off");
      } catch (error) {
        // Private windows may refuse storage: the choice lasts for this page.
      }
      if (this.sound) this.chime();
    }

    chime() {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      try {
        const audio = this.audio || (this.audio = new Context());
        const tone = audio.createOscillator();
        const volume = audio.createGain();
        tone.frequency.value = 880;
        volume.gain.setValueAtTime(0.08, audio.currentTime);
        volume.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.4);
        tone.connect(volume).connect(audio.destination);
        tone.start();
        tone.stop(audio.currentTime + 0.4);
      } catch (error) {
        // No sound is no loss: the title and the log show the reply.
      }
    }

    noticeReply(frame) {
      if (frame.from === "staff" && this.sound) this.chime();
      if (document.visibilityState !== "visible" || !document.hasFocus()) {
        if (!this.unread) this.pageTitle = document.title;
        this.unread += 1;
        document.title = "(" + this.unread + ") " + this.ui.new_reply + " – " + this.pageTitle;
      }
    }

    markRead() {
      if (!this.unread) return;
      this.unread = 0;
      document.title = this.pageTitle;
    }

    showHistory(frame) {
      this.log.setAttribute("aria-busy", "true");
      this.entries.replaceChildren();
      const messages = Array.isArray(frame.messages) ? frame.messages : [];
      for (const message of messages) {
        this.addMessage(message.from, message.text, message.language, message.rtl);
      }
      const last = messages[messages.length - 1];
      this.showSuggestions(last && last.from !== "person" ? last.buttons : []);
      if (frame.language) this.applyLanguage(frame.language);
      this.log.removeAttribute("aria-busy");
      this.log.scrollTop = this.log.scrollHeight;
    }

    showReply(frame) {
      this.noticeReply(frame);
      const item = this.addMessage(frame.from, frame.text, frame.language, frame.rtl);
      this.showSuggestions(frame.buttons);
      if (frame.language) this.applyLanguage(frame.language);
      this.reveal(item);
    }

    reveal(item) {
      // A long answer is shown from its first line; a short one with everything before it.
      const top = item.offsetTop - 8;
      this.log.scrollTop = item.offsetHeight > this.log.clientHeight ? top : this.log.scrollHeight;
    }

    addMessage(author, text, language, rtl) {
      const from = AUTHORS.includes(author) ? author : "assistant";
      const item = element("li", { class: "message from-" + from });
      const sender = { person: this.ui.you, assistant: this.ui.assistant, staff: this.ui.staff }[from];
      item.append(element("span", { class: from === "staff" ? "sender" : "sender visually-hidden" }, sender));
      const body = element("p", { class: "text" }, text);
      if (from === "person") {
        body.setAttribute("dir", "auto");
      } else {
        if (language) item.setAttribute("lang", String(language));
        item.setAttribute("dir", rtl ? "rtl" : "ltr");
      }
      item.append(body);
      this.entries.append(item);
      this.reveal(item);
      return item;
    }

    addNotice(text, language, rtl) {
      this.addMessage("assistant", text, language, rtl).classList.add("notice");
    }

    showSuggestions(buttons) {
      this.suggestions.replaceChildren();
      for (const button of Array.isArray(buttons) ? buttons : []) {
        if (!button || typeof button.payload !== "string") continue;
        // The way back to the assistant has its place in the team bar for the whole handover.
        if (button.payload === CANCEL_PAYLOAD) continue;
        const choice = element("button", { type: "button", class: "suggestion" }, button.label);
        if (button.payload.startsWith("language:")) {
          choice.setAttribute("lang", button.payload.slice("language:".length));
          choice.setAttribute("dir", "auto");
        }
        choice.addEventListener("click", () => this.press(button));
        this.suggestions.append(choice);
      }
      this.suggestions.hidden = !this.suggestions.childElementCount;
    }

    showStatus(text) {
      // Always in the page (only empty), so screen readers announce each change.
      this.status.textContent = text;
    }
  }

  function mount(options) {
    let host;
    if (options.target) {
      host = document.querySelector(options.target);
    } else {
      host = document.createElement("div");
      host.className = "hameln-chat";
      document.body.append(host);
    }
    if (!host) return;
    const root = host.shadowRoot || host.attachShadow({ mode: "open" });
    fetch(options.origin + "/chat/strings.json", { credentials: "omit" })
      .then((response) => response.json())
      .then((strings) => new Chat(root, options, strings).start());
  }

  window.HamelnChat = { mount: mount };
})();
