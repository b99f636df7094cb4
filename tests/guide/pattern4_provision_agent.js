// Create a character for a new customer
async function provisionAgent(customer) {
  const character = await fetch("https://api.oshara.ai/api/ai-characters/", {
    method: "POST",
    headers: {
      Authorization: `Bearer ${OSHARA_TOKEN}`,
      "Content-Type": "application/json"
    },
    body: JSON.stringify({
      slug: `${customer.id}-bot`,
      name: `${customer.companyName} Assistant`,
      system_prompt: `You are a support agent for ${customer.companyName}. ${customer.agentInstructions}`,
      greeting: `Hi! I'm ${customer.companyName}'s assistant. How can I help?`,
      language: "en",
      allowed_origins: [`https://${customer.domain}`],
      llm_model: "gpt-4o-mini",
      widget_appearance: {
        name: customer.companyName,
        theme: { primary_color: customer.brandColor }
      }
    })
  }).then(r => r.json());
  return character.slug; // e.g. "cust-42-bot"
}
