import { useState } from "preact/hooks";
import { Link, useLocation } from "wouter-preact";
import { Banner } from "../components/banner";
import { TextField } from "../components/fields";
import { useServices } from "../context";
import { ApiError, mapFieldErrors } from "../api/errors";

const KEYS = ["email", "password", "full_name", "organization"];

export function Register() {
  const { api } = useServices();
  const [, navigate] = useLocation();
  const [v, setV] = useState({ email: "", password: "", full_name: "", organization: "" });
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof v) => (value: string) => setV({ ...v, [k]: value });
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!v.email.includes("@")) local.email = "Enter your email address.";
    if (v.password.length < 8) local.password = "Use at least 8 characters.";
    setFields(local);
    setError("");
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      await api.register({
        email: v.email.trim(),
        password: v.password,
        full_name: v.full_name.trim(),
        organization: v.organization.trim() || null,
      });
      navigate("/agents");
    } catch (err) {
      if (err instanceof ApiError) {
        const mapped = mapFieldErrors(err.errors, KEYS);
        setFields(mapped.fields);
        setError(err.errors.length && !mapped.rest.length ? "" : err.detail);
      } else {
        setError("Something went wrong. Try again.");
      }
      setBusy(false);
    }
  };
  return (
    <main id="main" class="auth-page">
      <form class="card auth" onSubmit={(e) => void submit(e)} noValidate>
        <p class="brand">Oshara</p>
        <h1>Create an account</h1>
        {error ? <Banner>{error}</Banner> : null}
        <TextField name="email" label="Email" type="email" autoComplete="username" value={v.email} onValue={set("email")} error={fields.email} required />
        <TextField name="password" label="Password" type="password" autoComplete="new-password" value={v.password} onValue={set("password")} error={fields.password} hint="At least 8 characters." required />
        <TextField name="full_name" label="Your name (optional)" autoComplete="name" value={v.full_name} onValue={set("full_name")} error={fields.full_name} />
        <TextField name="organization" label="Organization name (optional)" autoComplete="organization" value={v.organization} onValue={set("organization")} error={fields.organization} />
        <button type="submit" disabled={busy}>{busy ? "Creating…" : "Create account"}</button>
        <p class="alt">Have an account? <Link href="/">Sign in</Link></p>
      </form>
    </main>
  );
}
