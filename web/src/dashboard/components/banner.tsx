import type { ComponentChildren } from "preact";

/** A message above a page or form: errors are announced (role=alert), notices politely. */
export function Banner({ kind = "error", children }: { kind?: "error" | "info" | "success"; children: ComponentChildren }) {
  return (
    <div class={`banner ${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}

export function errorText(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return "Something went wrong. Try again.";
}
