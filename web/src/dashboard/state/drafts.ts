// Unsaved form state, kept per form key in memory and sessionStorage so that an ended session
// (sign-in again) or a reload does not lose what was typed. Cleared on save and on sign-out.
import type { KeyValueStorage } from "../api/session";

const PREFIX = "oshara.dashboard.draft.";

export class DraftStore {
  private memory = new Map<string, string>();

  constructor(private readonly storage: KeyValueStorage | null) {}

  get<T>(key: string): T | undefined {
    const raw = this.memory.get(key) ?? this.storage?.getItem(PREFIX + key) ?? null;
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return undefined;
    }
  }

  /** Keep `value`; `stored` (default: the same) is what goes to sessionStorage, e.g. without secrets. */
  set(key: string, value: unknown, stored: unknown = value): void {
    const raw = JSON.stringify(value);
    this.memory.set(key, raw);
    try {
      this.storage?.setItem(PREFIX + key, stored === value ? raw : JSON.stringify(stored));
    } catch {
      // Storage full or disabled: memory still holds it for this page's life.
    }
  }

  clear(key: string): void {
    this.memory.delete(key);
    this.storage?.removeItem(PREFIX + key);
  }

  /** Forget every draft (sign-out: the next user of this tab must not see them). */
  clearAll(): void {
    const keys = new Set(this.memory.keys());
    const storage = this.storage;
    if (storage?.key && storage.length !== undefined) {
      for (let i = 0; i < storage.length; i++) {
        const name = storage.key(i);
        if (name?.startsWith(PREFIX)) keys.add(name.slice(PREFIX.length));
      }
    }
    for (const key of keys) this.clear(key);
  }
}
