import type { ComponentChildren } from "preact";

/** A message above a page or form: errors are announced (role=alert), notices politely. */
export function Banner({ kind = "error", children }: { kind?: "error" | "info" | "success"; children: ComponentChildren }) {
  return (
    <div class={`banner ${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}

/** An error's message for a banner, then the problems no field shows (`rest`, e.g. mapFieldErrors'). */
export function errorText(err: unknown, rest: readonly string[] = []): string {
  const text = err instanceof Error && err.message ? err.message : "Something went wrong. Try again.";
  return rest.length ? `${text}: ${rest.join("; ")}` : text;
}
