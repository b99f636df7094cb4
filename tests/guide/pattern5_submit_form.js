async function submitForm(form, values) {
  // submit_url: null means POST to Oshara managed storage
  const url = form.submit_url
    ?? `https://api.oshara.ai/api/agents/support-bot/form-responses/`;
  const body = form.submit_url
    ? values // your endpoint: flat values object
    : { form_id: form.id, values }; // Oshara managed: wrap with form_id
  const res = await fetch(url, {
    method: form.submit_method ?? "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body)
  });
  if (!res.ok) throw new Error("Submission failed");
  return form.success_message ?? "Submitted successfully.";
}
