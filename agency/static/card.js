// A card form: the card goes from Stripe Elements to Stripe; only a SetupIntent's id is
// posted to us. The SetupIntent is asked for when the form is sent (data-setup-url, a
// CSRF-protected POST answering {"client_secret": ...}), not when the page is shown.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-setup-url]");
  const mount = document.getElementById("card-element");
  if (!form || !mount || typeof Stripe === "undefined") return;
  const stripe = Stripe(mount.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount(mount);
  const saved = form.querySelector("input[name=setup_intent]");
  const token = form.querySelector("input[name=csrf_token]");
  const errors = document.getElementById("card-errors");
  const failed = (message) => {
    errors.textContent = message || mount.dataset.failed;
  };
  form.addEventListener("submit", async (event) => {
    if (saved.value) return;
    event.preventDefault();
    errors.textContent = "";
    const answer = await fetch(form.dataset.setupUrl, {
      method: "POST",
      headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" },
      credentials: "same-origin",
    });
    const body = await answer.json().catch(() => ({}));
    if (!answer.ok || !body.client_secret) {
      failed(body.error && body.error.message);
      return;
    }
    const result = await stripe.confirmCardSetup(body.client_secret, {
      payment_method: { card: card },
    });
    if (result.error) {
      failed(result.error.message);
      return;
    }
    saved.value = result.setupIntent.id;
    form.submit();
  });
});
