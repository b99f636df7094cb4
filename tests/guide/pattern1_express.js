// Node.js / Express
app.post("/your-api/voice-token", requireAuth, async (req, res) => {
  const user = req.user;
  const session = await fetch("https://api.oshara.ai/api/agents/agent-session/", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "Origin": "https://yoursite.com"
    },
    body: JSON.stringify({
      agent: "support-bot",
      language: req.body.language || "en",
      metadata: {
        user_id: user.id,
        user_name: user.fullName,
        user_email: user.email,
        account_tier: user.plan, // "free" | "pro" | "enterprise"
        org_id: user.orgId
      }
    })
  }).then(r => r.json());
  // Return only what the browser needs
  res.json({
    token: session.token,
    livekit_url: session.livekit_url,
    session_id: session.session_id
  });
});
