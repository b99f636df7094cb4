// A confirmation dialog on the native <dialog> (modal: focus is trapped, Escape cancels).
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

interface Props {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmDialog(p: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (p.open && !dialog.open) dialog.showModal();
    if (!p.open && dialog.open) dialog.close();
  }, [p.open]);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={(e) => { e.preventDefault(); p.onCancel(); }}>
      <h2 id="confirm-title">{p.title}</h2>
      <div>{p.children}</div>
      <div class="actions">
        <button type="button" class="secondary" onClick={p.onCancel} autofocus>Cancel</button>
        <button type="button" class="danger" onClick={p.onConfirm} disabled={p.busy}>{p.confirmLabel}</button>
      </div>
    </dialog>
  );
}
