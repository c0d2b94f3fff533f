// The client signup form: the card goes from Stripe Elements to Stripe with the page's
// SetupIntent; only the SetupIntent's id is posted to us.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("client-signup");
  const mount = document.getElementById("card-element");
  if (!form || !mount || typeof Stripe === "undefined") return;
  const stripe = Stripe(mount.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount(mount);
  const saved = form.querySelector("input[name=setup_intent]");
  const errors = document.getElementById("card-errors");
  form.addEventListener("submit", async (event) => {
    if (saved.value) return;
    event.preventDefault();
    errors.textContent = "";
    const result = await stripe.confirmCardSetup(mount.dataset.clientSecret, {
      payment_method: { card: card },
    });
    if (result.error) {
      errors.textContent = result.error.message || mount.dataset.failed;
      return;
    }
    saved.value = result.setupIntent.id;
    form.submit();
  });
});
