curl -X PATCH https://api.oshara.ai/api/ai-characters/support-bot/ \
-H "Authorization: Bearer <your-token>" \
-H "Content-Type: application/json" \
-d '{
"widget_appearance": { ... },
"tools": [
{
"name": "ticket_lookup",
"kind": "http",
"description": "Look up a support ticket by its ID. Use when the user mentions a ticket number like TICKET-123.",
"input_schema": {
"type": "object",
"properties": {
"ticket_id": { "type": "string", "description": "Ticket ID, e.g. TICKET-123" }
},
"required": ["ticket_id"]
},
"config": {
"url": "https://yoursite.com/api/oshara/ticket-lookup",
"method": "POST",
"headers": { "X-Oshara-Secret": "your-shared-secret" }
}
}
]
}'
