async function getAgentForms(slug) {
  const res = await fetch(`https://api.oshara.ai/api/agents/${slug}/appearance/`, {
    headers: { Origin: "https://yoursite.com" }
  });
  const appearance = await res.json();
  return appearance.forms ?? []; // array of FormDefinition objects
}
// Find a specific form by id
const forms = await getAgentForms("support-bot");
const demoForm = forms.find(f => f.id === "book-demo");
