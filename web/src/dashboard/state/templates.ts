// Starting points for a new agent. Each is a complete CharacterCreate body minus slug and name.
import type { AgentCreate } from "../api/client";

export type AgentTemplate = {
  id: string;
  title: string;
  summary: string;
  body: Omit<AgentCreate, "slug" | "name">;
};

export const TEMPLATES: readonly AgentTemplate[] = [
  {
    id: "blank",
    title: "Blank agent",
    summary: "An empty prompt and the server's default models.",
    body: { system_prompt: "", greeting: "Hi! How can I help?", language: "en" },
  },
  {
    id: "support",
    title: "Support desk",
    summary: "Answers customers and opens a ticket through your API (an http tool).",
    body: {
      system_prompt:
        "You are the support assistant of {{company}}. Help the customer with their question. " +
        "When you cannot solve it, collect a short subject, a description and their email, then " +
        "call create_ticket and tell them the ticket number.",
      greeting: "Hi! I'm the support assistant. What can I help you with?",
      language: "en",
      tools: [
        {
          name: "create_ticket",
          kind: "http",
          description: "Open a support ticket for the customer.",
          input_schema: {
            type: "object",
            properties: {
              subject: { type: "string", description: "One line summary" },
              description: { type: "string", description: "What happened" },
              email: { type: "string", description: "Customer's email address" },
            },
            required: ["subject", "description", "email"],
          },
          config: { url: "https://example.com/api/tickets", method: "POST", timeout_seconds: 10 },
        },
      ],
    },
  },
  {
    id: "booking",
    title: "Appointment booking",
    summary: "Books appointments by showing the visitor a booking form.",
    body: {
      system_prompt:
        "You book appointments for {{business_name}}. Ask what the visitor needs, then show the " +
        "booking form with show_form and confirm the time they chose.",
      greeting: "Hello! Would you like to book an appointment?",
      language: "en",
      builtins: { show_form: true, end_call: true },
      widget_appearance: {
        forms: [
          {
            id: "booking",
            title: "Book an appointment",
            submit_url: null,
            success_message: "Thanks! Your appointment request is in.",
            fields: [
              { name: "name", label: "Full name", type: "text", required: true },
              { name: "email", label: "Email", type: "email", required: true },
              { name: "day", label: "Preferred date", type: "date", required: true, width: "half" },
              { name: "time", label: "Preferred time", type: "time", width: "half" },
              { name: "notes", label: "Anything we should know?", type: "textarea", rows: 3 },
            ],
          },
        ],
      },
    },
  },
  {
    id: "faq",
    title: "FAQ over a knowledge base",
    summary: "Answers from the documents you upload (a kb tool).",
    body: {
      system_prompt:
        "You answer questions about {{company}} using only the knowledge base. Call " +
        "search_knowledge before answering; if it has nothing relevant, say you do not know.",
      greeting: "Hi! Ask me anything about our products and policies.",
      language: "en",
      tools: [
        {
          name: "search_knowledge",
          kind: "kb",
          description: "Search the company's documents for passages that answer the question.",
          input_schema: {
            type: "object",
            properties: { query: { type: "string", description: "The question to look up" } },
            required: ["query"],
          },
          config: { top_k: 4 },
        },
      ],
    },
  },
];

export function templateById(id: string): AgentTemplate {
  return TEMPLATES.find((t) => t.id === id) ?? (TEMPLATES[0] as AgentTemplate);
}
