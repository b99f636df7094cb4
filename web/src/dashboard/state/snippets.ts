// The embed snippets of an agent, filled with this server's public URL.

export function embedSnippet(publicUrl: string, slug: string): string {
  return `<script src="${publicUrl}/widget.js" data-agent="${slug}" async></script>`;
}

/** The guide's Pattern 1: the site's backend starts the session; the widget asks it for a token. */
export function backendSnippet(publicUrl: string, slug: string, origin: string): string {
  return `// Your backend (Node.js / Express): starts a session for the signed-in user.
app.post("/your-api/voice-token", requireAuth, async (req, res) => {
  const user = req.user;
  const session = await fetch("${publicUrl}/api/agents/agent-session/", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "Origin": "${origin}",
      // Optional: an API key (Account → API keys) makes the metadata trusted.
      // "Authorization": \`Bearer \${process.env.OSHARA_API_KEY}\`,
    },
    body: JSON.stringify({
      agent: "${slug}",
      language: req.body.language || "en",
      metadata: { user_id: user.id, user_name: user.fullName },
    }),
  }).then((r) => r.json());
  // Return only what the browser needs.
  res.json({ token: session.token, session_id: session.session_id });
});

<!-- Your page: the widget asks your endpoint for the token. -->
<script src="${publicUrl}/widget.js" data-agent="${slug}"
        data-token-url="/your-api/voice-token" async></script>`;
}
