// Deep linking's answer goes back to the LMS by itself; without JavaScript the Continue button sends it.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-lti-return]");
  if (form) form.submit();
});
