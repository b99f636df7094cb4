// Nightly sync job
const responses = await fetch(
  "https://api.oshara.ai/api/agents/support-bot/form-responses/?form_id=book-demo",
  { headers: { Authorization: `Bearer ${OSHARA_TOKEN}` } }
).then(r => r.json());
for (const submission of responses) {
  await crm.createLead({
    name: submission.values.name,
    email: submission.values.email,
    source: "voice-widget",
    session: submission.session_id
  });
}
