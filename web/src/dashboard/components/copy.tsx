import { useState } from "preact/hooks";

/** A snippet with a labelled Copy button; the status is announced to screen readers. */
export function CopyBlock({ id, label, text }: { id: string; label: string; text: string }) {
  const [status, setStatus] = useState("");
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setStatus("Copied");
    } catch {
      const el = document.getElementById(id);
      if (el) window.getSelection()?.selectAllChildren(el);
      setStatus("Press Ctrl+C (⌘C) to copy the selected text");
    }
  };
  return (
    <figure class="snippet">
      <figcaption>
        <span id={`${id}-label`}>{label}</span>
        <button type="button" class="secondary small" onClick={() => void copy()} aria-label={`Copy ${label}`}>
          Copy
        </button>
        <span class="copy-status" role="status">{status}</span>
      </figcaption>
      <pre tabIndex={0} aria-labelledby={`${id}-label`}><code id={id}>{text}</code></pre>
    </figure>
  );
}
