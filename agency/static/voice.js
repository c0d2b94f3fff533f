// The browser phone of a desk without a phone: the provider's voice SDK (vendored),
// registered with an access token the desk asks for (POST data-token-url, CSRF in the
// header), renewed before it expires. An incoming call shows who it is for and from,
// with Answer and Decline; an answered one, Hang up.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("browser-phone");
  if (!box || !window.Twilio || !window.Twilio.Device) return;
  const state = document.getElementById("browser-phone-state");
  const incoming = document.getElementById("incoming");
  const said = document.getElementById("incoming-said");
  const answer = document.getElementById("answer");
  const decline = document.getElementById("decline");
  const hangUp = document.getElementById("hang-up");
  const csrf = document.querySelector("meta[name=csrf-token]").content;

  async function token() {
    const reply = await fetch(box.dataset.tokenUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      credentials: "same-origin",
    });
    const body = await reply.json().catch(() => ({}));
    if (!reply.ok) throw new Error((body.error && body.error.message) || box.dataset.failed);
    return body.token;
  }

  function idle() {
    incoming.hidden = true;
    hangUp.hidden = true;
  }

  (async () => {
    let device;
    try {
      device = new window.Twilio.Device(await token(), { closeProtection: true });
    } catch (error) {
      state.textContent = error.message || box.dataset.failed;
      return;
    }
    device.on("registered", () => {
      state.textContent = box.dataset.ready;
    });
    device.on("error", () => {
      state.textContent = box.dataset.failed;
    });
    device.on("tokenWillExpire", async () => {
      try {
        device.updateToken(await token());
      } catch (error) {
        state.textContent = error.message || box.dataset.failed;
      }
    });
    device.on("incoming", (call) => {
      const params = call.customParameters || new Map();
      said.textContent = box.dataset.calling
        .replace("{client}", params.get("client") || "")
        .replace("{caller}", call.parameters.From || "");
      incoming.hidden = false;
      answer.onclick = () => {
        call.accept();
        incoming.hidden = true;
        hangUp.hidden = false;
        hangUp.onclick = () => call.disconnect();
      };
      decline.onclick = () => {
        call.reject();
        idle();
      };
      call.on("cancel", idle);
      call.on("disconnect", idle);
      call.on("reject", idle);
    });
    device.register();
  })();
});
