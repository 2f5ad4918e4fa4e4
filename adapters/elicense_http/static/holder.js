// The holder's page: withdraw a consent with the session cookie (same origin only).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const result = document.getElementById("withdraw-result");
  for (const button of document.querySelectorAll("button.withdraw")) {
    button.addEventListener("click", async () => {
      const code = button.dataset.code;
      button.disabled = true;
      try {
        const r = await fetch(`/v1/holder/consents/${encodeURIComponent(code)}/withdraw`, {
          method: "POST",
          credentials: "same-origin",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ reason: "持证人在用证记录页撤回授权" }),
        });
        if (!r.ok) {
          const problem = await r.json().catch(() => ({}));
          throw new Error(problem.code || String(r.status));
        }
        result.textContent = `已撤回授权 ${code}。`;
        result.dataset.withdrawn = code;
        const row = button.closest("tr");
        row.dataset.state = "withdrawn";
        button.replaceWith(document.createTextNode("已撤回"));
      } catch (e) {
        button.disabled = false;
        result.textContent = `撤回失败：${e.message}`;
      }
    });
  }
});
