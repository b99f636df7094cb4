import { useState } from "preact/hooks";
import { Link } from "wouter-preact";
import { Banner, errorText } from "../components/banner";
import { TextField } from "../components/fields";
import { useServices } from "../context";

/** Sign in; shown in place of any page while signed out, so the page comes back after. */
export function SignIn({ expired }: { expired: boolean }) {
  const { api, config } = useServices();
  const [email, setEmail] = useState(api.session.email);
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await api.signIn(email.trim(), password);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <main id="main" class="auth-page">
      <form class="card auth" onSubmit={(e) => void submit(e)} noValidate>
        <p class="brand">Oshara</p>
        <h1>Sign in</h1>
        {expired ? (
          <Banner kind="info">Your session ended. Sign in again to continue where you were; nothing you typed is lost.</Banner>
        ) : null}
        {error ? <Banner>{error}</Banner> : null}
        <TextField name="email" label="Email" type="email" autoComplete="username" value={email} onValue={setEmail} required />
        <TextField name="password" label="Password" type="password" autoComplete="current-password" value={password} onValue={setPassword} required />
        <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
        {config.registration ? (
          <p class="alt">No account yet? <Link href="/register">Create an account</Link></p>
        ) : null}
      </form>
    </main>
  );
}
