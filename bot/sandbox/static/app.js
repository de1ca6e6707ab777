/* als-bot sandbox page: polls /api/state, shows the server-rendered HTML, sends what people do.
   No framework, no build step. Every fragment comes from bot/sandbox/render.py. */
(() => {
  "use strict";

  const S = {
    user: localStorage.getItem("sb-user") || "",
    conv: localStorage.getItem("sb-conv") || "",
    kind: "",
    tz: "",
    mainKey: null,
    modalKey: null,
    modalViewId: null,
    peopleKey: null,
    // Bumped when the person or the conversation changes: answers to older polls are dropped.
    gen: 0,
    inFlight: null,
  };
  const $ = (id) => document.getElementById(id);

  function status(text, isError) {
    const el = $("sb-status");
    el.textContent = text || "";
    el.classList.toggle("sb-status-error", !!isError);
  }

  async function post(path, body) {
    let answer;
    try {
      const r = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({ user: S.user }, body)),
      });
      answer = await r.json().catch(() => ({ ok: false, error: "HTTP " + r.status }));
      if (!r.ok && answer.ok !== false) answer = { ok: false, error: "HTTP " + r.status };
    } catch (e) {
      answer = { ok: false, error: "the sandbox is not answering" };
    }
    if (answer.ok === false) status(answer.error || "the app answered HTTP " + answer.status, true);
    return answer;
  }

  // ------------------------------------------------------------------ polling
  function switched() {
    S.gen += 1;
    S.mainKey = null;
    S.modalKey = null;
  }

  async function refresh() {
    const gen = S.gen;
    if (S.inFlight === gen) return;
    S.inFlight = gen;
    try {
      const q = new URLSearchParams();
      if (S.user) q.set("user", S.user);
      if (S.conv) q.set("conv", S.conv);
      const r = await fetch("/api/state?" + q.toString(), { cache: "no-store" });
      if (gen !== S.gen) return;
      if (r.status === 403 || r.status === 404) {
        // A remembered person or conversation that is not there (any more): start over.
        S.conv = "";
        if (r.status === 404) S.user = "";
        return;
      }
      if (!r.ok) return;
      const st = await r.json();
      if (gen === S.gen) render(st);
    } catch (e) {
      status("the sandbox is not answering", true);
    } finally {
      if (S.inFlight === gen) S.inFlight = null;
    }
  }

  function soon() {
    setTimeout(refresh, 50);
    setTimeout(refresh, 400);
  }

  function render(st) {
    S.user = st.me.id;
    S.conv = st.conv;
    S.kind = st.kind;
    S.tz = st.me.tz;
    localStorage.setItem("sb-user", S.user);
    localStorage.setItem("sb-conv", S.conv);
    document.body.dataset.user = S.user;
    document.body.dataset.conv = S.conv;

    const people = $("sb-person");
    const peopleKey = st.people.map((p) => p.id).join(",");
    if (S.peopleKey !== peopleKey) {
      people.textContent = "";
      for (const p of st.people) {
        const o = document.createElement("option");
        o.value = p.id;
        o.textContent = p.name + " (" + p.tz + ")";
        people.appendChild(o);
      }
      S.peopleKey = peopleKey;
    }
    people.value = S.user;

    $("sb-now").textContent = st.now_text;
    $("sb-now").dataset.now = st.now;
    const at = $("sb-at");
    if (document.activeElement !== at && !at.dataset.touched) at.value = st.now_local;

    const side = $("sb-sidebar");
    side.textContent = "";
    const sections = [
      ["Channels", "channel"],
      ["Direct messages", "dm"],
      ["Apps", "home"],
    ];
    for (const [label, kind] of sections) {
      const items = st.conversations.filter((c) => c.kind === kind);
      if (!items.length) continue;
      const h = document.createElement("div");
      h.className = "sb-side-head";
      h.textContent = label;
      side.appendChild(h);
      for (const c of items) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "sb-conv" + (c.id === S.conv ? " sb-conv-current" : "");
        b.dataset.conv = c.id;
        b.dataset.kind = c.kind;
        b.textContent = (kind === "channel" ? "# " : kind === "dm" ? "• " : "⌂ ") + c.name;
        if (c.count) {
          const n = document.createElement("span");
          n.className = "sb-count";
          n.textContent = c.count;
          n.title = c.count + " unread";
          b.appendChild(n);
        }
        side.appendChild(b);
      }
    }
    const current = st.conversations.find((c) => c.id === S.conv);
    $("sb-title").textContent = current
      ? current.kind === "channel"
        ? "# " + current.name
        : current.kind === "dm"
          ? current.name + " (direct messages)"
          : current.name
      : "";
    $("sb-composer").hidden = st.kind === "home";
    // The bot's DM is for commands: the app reads no messages (it subscribes to none).
    $("sb-text").placeholder =
      st.kind === "dm"
        ? "Commands for the bot: /als help, /als topic, /als actions …"
        : "/als help, /als setup, /als topic … or a message";

    if (S.mainKey !== st.main.key) {
      const feed = $("sb-feed");
      const atBottom = feed.scrollHeight - feed.scrollTop - feed.clientHeight < 80;
      feed.innerHTML = st.main.html;
      feed.dataset.kind = st.kind;
      if (atBottom || S.mainKey === null) feed.scrollTop = feed.scrollHeight;
      S.mainKey = st.main.key;
    }

    const overlay = $("sb-overlay");
    if (!st.modal) {
      overlay.hidden = true;
      overlay.textContent = "";
      S.modalKey = null;
      S.modalViewId = null;
    } else if (S.modalKey !== st.modal.key) {
      const crumbs = document.createElement("div");
      crumbs.className = "sb-stack";
      crumbs.textContent = st.modal.stack.join(" › ");
      overlay.innerHTML = st.modal.html;
      overlay.insertBefore(crumbs, overlay.firstChild);
      overlay.dataset.viewId = st.modal.view_id;
      overlay.hidden = false;
      S.modalKey = st.modal.key;
      S.modalViewId = st.modal.view_id;
      const error = overlay.querySelector(".sb-error");
      if (error) error.scrollIntoView({ block: "center" });
      else overlay.scrollTop = 0;
    }
  }

  // ------------------------------------------------------------------ values of elements
  function readValue(el) {
    const type = el.dataset.type || "";
    if (type === "checkboxes") {
      return Array.from(el.querySelectorAll("input[type=checkbox]:checked")).map((i) => i.value);
    }
    if (type === "radio_buttons") {
      const r = el.querySelector("input[type=radio]:checked");
      return r ? r.value : null;
    }
    if (el.tagName === "SELECT") {
      if (el.multiple) return Array.from(el.selectedOptions).map((o) => o.value).filter((v) => v);
      return el.value || null;
    }
    if (el.tagName === "INPUT" || el.tagName === "TEXTAREA") return el.value;
    const inner = el.querySelector("select, input, textarea");
    return inner ? readValue(inner) : null;
  }

  function where(el) {
    const item = el.closest("[data-ts]");
    if (item) return { conv: item.dataset.channel, ts: item.dataset.ts };
    const view = el.closest("[data-view-id]");
    if (view) return { view_id: view.dataset.viewId };
    return { conv: S.conv };
  }

  function collectModal() {
    const values = {};
    for (const block of $("sb-overlay").querySelectorAll(".sb-input[data-block-id]")) {
      const bid = block.dataset.blockId;
      for (const el of block.querySelectorAll("[data-action-id]")) {
        if (el.parentElement.closest("[data-action-id]") &&
            block.contains(el.parentElement.closest("[data-action-id]"))) continue;
        values[bid] = values[bid] || {};
        values[bid][el.dataset.actionId] = readValue(el);
      }
    }
    return values;
  }

  // ------------------------------------------------------------------ what people do
  async function sendAction(el, extra) {
    const body = Object.assign(
      { action_id: el.dataset.actionId, block_id: el.dataset.blockId || null },
      where(el),
      extra,
    );
    // As in Slack, a click in a modal carries what its inputs hold (and keeps it on screen).
    if (body.view_id && el.closest("#sb-overlay")) body.values = collectModal();
    status("…");
    const answer = await post("/api/action", body);
    if (answer.ok !== false) status("");
    soon();
  }

  function confirmed(el) {
    if (!el.dataset.confirm) return true;
    let c = {};
    try {
      c = JSON.parse(el.dataset.confirm);
    } catch (e) {
      return window.confirm("Are you sure?");
    }
    return window.confirm([c.title, c.text].filter((x) => x).join("\n\n"));
  }

  document.addEventListener("click", async (ev) => {
    const conv = ev.target.closest(".sb-conv");
    if (conv) {
      S.conv = conv.dataset.conv;
      switched();
      if (conv.dataset.kind === "home") await post("/api/home", {});
      refresh();
      soon();
      return;
    }
    const role = ev.target.closest("#sb-overlay [data-role]");
    if (role) {
      ev.preventDefault();
      const viewId = S.modalViewId;
      if (!viewId) return;
      if (role.dataset.role === "submit") {
        status("…");
        const answer = await post("/api/submit", { view_id: viewId, values: collectModal() });
        if (answer.problems && answer.problems.length) status(answer.problems.join("; "), true);
        else if (answer.errors && Object.keys(answer.errors).length) status("Please fix the fields marked in red.", true);
        else if (answer.ok !== false) status("");
      } else if (role.dataset.role === "close") {
        await post("/api/close", { view_id: viewId });
      }
      S.modalKey = null;
      refresh();
      soon();
      return;
    }
    const button = ev.target.closest("button[data-action-id]");
    if (button) {
      ev.preventDefault();
      if (!confirmed(button)) return;
      const extra = {};
      if (button.dataset.value !== undefined) extra.value = button.dataset.value;
      if (button.dataset.url) status("This button links to " + button.dataset.url);
      await sendAction(button, extra);
    }
  });

  document.addEventListener("change", async (ev) => {
    const target = ev.target;
    if (target.id === "sb-person") {
      S.user = target.value;
      switched();
      localStorage.setItem("sb-user", S.user);
      if (S.kind === "home") await post("/api/home", {});
      refresh();
      soon();
      return;
    }
    if (target.id === "sb-at") {
      target.dataset.touched = "1";
      return;
    }
    const el = target.closest("[data-action-id]");
    if (!el || el.tagName === "BUTTON") return;
    // Inputs of a modal's input blocks are read on Submit, as in Slack.
    if (el.closest(".sb-input")) return;
    const value = readValue(el);
    if (el.dataset.type === "overflow") {
      if (!value) return;
      if (!confirmed(el)) {
        el.selectedIndex = 0;
        return;
      }
    }
    await sendAction(el, { selected: value });
    if (el.dataset.type === "overflow") el.selectedIndex = 0;
  });

  // Escape closes the modal on top, as in Slack.
  document.addEventListener("keydown", async (ev) => {
    if (ev.key !== "Escape" || !S.modalViewId) return;
    ev.preventDefault();
    await post("/api/close", { view_id: S.modalViewId });
    S.modalKey = null;
    refresh();
    soon();
  });

  $("sb-composer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = $("sb-text");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    status("…");
    const answer = await post("/api/command", { conv: S.conv, text });
    if (answer.ok !== false) {
      const dm = $("sb-feed").dataset.kind === "dm";
      status(answer.delivered === false && dm ? "The bot reads commands only: try /als help." : "");
    }
    soon();
  });

  $("sb-time").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const at = $("sb-at");
    status("Running the scheduler…");
    const answer = await post("/api/time", { at: at.value, tz: S.tz });
    delete at.dataset.touched;
    if (answer.ok !== false) status(answer.summary || "");
    soon();
  });

  for (const step of document.querySelectorAll(".sb-step")) {
    step.addEventListener("click", async () => {
      status("Running the scheduler…");
      const answer = await post("/api/time", { advance_minutes: Number(step.dataset.minutes) });
      delete $("sb-at").dataset.touched;
      if (answer.ok !== false) status(answer.summary || "");
      soon();
    });
  }

  refresh();
  setInterval(refresh, 1000);
})();
