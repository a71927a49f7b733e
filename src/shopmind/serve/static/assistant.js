/* shopmind storefront: the shop assistant's chat panel (智能客服).
 *
 * A button opens a small panel; each message is one POST /v1/assistant turn with the page's
 * storefront key, a conversation id kept for the browser tab (sessionStorage) and, on a product
 * page, that product as the page context ("is this one in stock?"). Everything shown is set
 * with textContent / DOM nodes (never parsed as HTML); cited and suggested products become links.
 * The storefront key is public, so the panel never sends a customer id: order questions are
 * answered by the shop's back end with its own (write) key, never from the browser.
 */
"use strict";

(() => {
  const LS_CONV = "shopmind.assistant.conversation";
  // the panel's own words in the page's language (serve/i18n/*.json); the answers are the
  // assistant's, in the language the shopper asked in
  const T = {};
  ["open", "title", "placeholder", "send", "close", "handoff", "handoff_email", "handoff_none", "error", "sources"].forEach((k) => (T[k] = SM.t("assistant." + k)));

  function conversationId() {
    let id = null;
    try {
      id = sessionStorage.getItem(LS_CONV);
      if (!id) {
        const b = new Uint8Array(8);
        window.crypto.getRandomValues(b);
        id = "conv-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
        sessionStorage.setItem(LS_CONV, id);
      }
    } catch (_e) {
      id = id || "conv-anonymous";
    }
    return id;
  }

  function pageProduct() {
    const main = document.getElementById("main");
    return (main && main.dataset.productId) || null;
  }

  function build() {
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = "/static/assistant.css";
    document.head.appendChild(css);

    const log = SM.el("ol", { class: "assistant-log", id: "assistant-log", "aria-live": "polite" });
    const input = SM.el("input", {
      id: "assistant-input", type: "text", maxlength: "1000", autocomplete: "off",
      placeholder: T.placeholder, "aria-label": T.placeholder,
    });
    const form = SM.el("form", { class: "assistant-form", id: "assistant-form" }, [
      input, SM.el("button", { type: "submit", id: "assistant-send", text: T.send }),
    ]);
    const panel = SM.el("section", { class: "assistant-panel", id: "assistant-panel", "aria-label": T.title, hidden: true }, [
      SM.el("div", { class: "assistant-head" }, [
        SM.el("h2", { text: T.title }),
        SM.el("button", { type: "button", class: "linkish", id: "assistant-close", text: T.close,
          onclick: () => { panel.hidden = true; toggle.hidden = false; } }),
      ]),
      log,
      form,
    ]);
    const toggle = SM.el("button", { type: "button", class: "assistant-toggle", id: "assistant-open", text: T.open,
      onclick: () => { panel.hidden = false; toggle.hidden = true; input.focus(); } });
    document.body.appendChild(toggle);
    document.body.appendChild(panel);

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const message = input.value.trim();
      if (!message) return;
      input.value = "";
      log.appendChild(SM.el("li", { class: "assistant-msg from-user", text: message }));
      // the page's language answers a message that shows none ("asdfgh", "???", an order number)
      const body = { conversation_id: conversationId(), message, lang: SM.lang.startsWith("zh") ? "zh" : "en" };
      const pid = pageProduct();
      if (pid) body.page_product = pid;
      let reply;
      try {
        reply = await SM.api("/v1/assistant", { method: "POST", json: body });
      } catch (e) {
        // the panel's own words first, in the page's language: the server's message (English, for
        // the shop's developer: "the current release has no search index") was all a zh shopper saw
        const detail = e.message && e.message !== T.error ? [SM.el("p", { class: "assistant-error-detail muted small", text: e.message })] : [];
        log.appendChild(SM.el("li", { class: "assistant-msg from-shop error" }, [SM.el("p", { class: "assistant-answer", text: T.error }), ...detail]));
        log.scrollTop = log.scrollHeight;
        if (!input.value) input.value = message; // the shopper's words are kept to send again
        return;
      }
      log.appendChild(render(reply));
      log.scrollTop = log.scrollHeight;
    });
  }

  function render(reply) {
    const item = SM.el("li", { class: "assistant-msg from-shop", dataset: { intent: reply.intent || "" } }, [
      SM.el("p", { class: "assistant-answer", text: reply.answer || "" }),
    ]);
    const ids = [];
    for (const c of reply.citations || []) if (c.type === "product" && !ids.includes(c.id)) ids.push(c.id);
    for (const id of reply.suggested || []) if (!ids.includes(id)) ids.push(id);
    if (ids.length) {
      item.appendChild(SM.el("ul", { class: "assistant-products" },
        ids.map((id) => SM.el("li", {}, [SM.el("a", { href: SM.productHref(id), text: id })]))));
    }
    const policies = (reply.citations || []).filter((c) => c.type === "policy").map((c) => c.id);
    if (policies.length) item.appendChild(SM.el("p", { class: "assistant-source muted small", text: "§ " + policies.join(", "), title: T.sources }));
    if (reply.handoff) {
      // promise a follow-up only when the shop can make one (handoff_contact, routes/assistant.py): an
      // anonymous shopper without a typed e-mail address is told how to be reached instead
      const how = reply.handoff_contact || "customer";
      const text = how === "none" ? T.handoff_none : how === "email" ? T.handoff_email : T.handoff;
      item.appendChild(SM.el("p", { class: "assistant-handoff", dataset: { contact: how }, text }));
    }
    return item;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build);
  else build();
})();
