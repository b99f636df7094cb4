/** A small typed event emitter: `Events` maps an event name to its argument tuple. */

export type Listener<Args extends unknown[]> = (...args: Args) => void;

type AnyListener = (...args: unknown[]) => void;

export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<AnyListener>>();

  /** Subscribe; returns the function that unsubscribes. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as unknown as AnyListener);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.listeners.get(event)?.delete(listener as unknown as AnyListener);
  }

  /** Call every listener; one that throws is reported and does not stop the others. */
  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as unknown as Listener<Events[K]>)(...args);
      } catch (err) {
        console.error(`[oshara] a ${String(event)} listener failed`, err);
      }
    }
  }
}
