import type { Agent } from "../api/client";

/** A labelled <select> of the organization's agents (optionally "All agents" as ""). */
export function AgentPicker({ id, label, agents, value, onValue, allLabel }: {
  id: string;
  label: string;
  agents: readonly Agent[];
  value: string;
  onValue: (slug: string) => void;
  allLabel?: string;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onValue(e.currentTarget.value)}>
        {allLabel !== undefined ? <option value="">{allLabel}</option> : null}
        {agents.map((a) => <option key={a.slug} value={a.slug}>{a.name} ({a.slug})</option>)}
      </select>
    </div>
  );
}
