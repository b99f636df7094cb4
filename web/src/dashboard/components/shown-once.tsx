import { Banner } from "./banner";
import { CopyBlock } from "./copy";

/** A secret the server shows once (API key, invitation token, signing secret) with Copy and Done. */
export function ShownOnce({ id, label, secret, note, onDone }: { id: string; label: string; secret: string; note?: string; onDone: () => void }) {
  return (
    <div class="shown-once">
      <Banner kind="success">
        {note ?? "Copy it now: it will not be shown again."}
      </Banner>
      <CopyBlock id={id} label={label} text={secret} />
      <button type="button" class="secondary small" onClick={onDone}>Done, hide it</button>
    </div>
  );
}

/** A date-time in the reader's locale (short), or "—". */
export function When({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <>—</>;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return <>{iso}</>;
  return <time dateTime={iso}>{d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}</time>;
}
