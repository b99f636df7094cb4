/**
 * GENERATED from the server's OpenAPI schema (web/openapi.json) by `npm run gen:api` in web/.
 * Do not edit: change the server's pydantic models, then regenerate. The SDK and the
 * dashboard derive their request/response types from `components["schemas"]` and `paths`.
 */

export interface paths {
    "/api/agents/{slug}/appearance/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Appearance
         * @description Public: name, theme and full form schemas (guide, Pattern 5). Nothing secret.
         *
         *     Browsers from origins not in ``allowed_origins`` get 403. Answers carry an ``ETag``;
         *     ``If-None-Match`` gets 304.
         */
        get: operations["get_appearance_api_agents__slug__appearance__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/agents/{slug}/form-responses/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Form Responses
         * @description Stored submissions of one agent, oldest first (the guide's nightly sync).
         *
         *     ``format=csv``: the same rows as a download. Columns ``created_at, id, form_id,
         *     session_id, source``, then one per field of the form (of every form without
         *     ``form_id``), headed by the field's label; cells starting with ``= + - @`` are prefixed
         *     with ``'`` so spreadsheets never run them as formulas.
         */
        get: operations["list_form_responses_api_agents__slug__form_responses__get"];
        put?: never;
        /**
         * Submit Form Response
         * @description Store a submission of one of the agent's forms (``submit_url: null``).
         *
         *     Validated against the stored form: 400 with ``field_errors`` naming each bad field and
         *     nothing stored. A repeated ``Idempotency-Key`` returns the first result.
         */
        post: operations["submit_form_response_api_agents__slug__form_responses__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/agents/agent-session/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start Agent Session
         * @description Start a session with a character; returns the token the browser connects with.
         *
         *     Public: allowed when the request's ``Origin`` is in the character's ``allowed_origins``,
         *     or when it carries the owner's JWT or API key. Anonymous starts from one client address
         *     hold at most half the character's concurrent sessions; a server running as many sessions
         *     as it can answers 503.
         */
        post: operations["start_agent_session_api_agents_agent_session__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/ai-characters/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Characters
         * @description Your organization's characters.
         */
        get: operations["list_characters_api_ai_characters__get"];
        put?: never;
        /**
         * Create Character
         * @description Create a character (guide, Pattern 4). Slugs are unique across the server.
         */
        post: operations["create_character_api_ai_characters__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/ai-characters/{slug}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Character
         * @description A character. Members get ``system_prompt`` and ``tools`` as null (owner data).
         */
        get: operations["get_character_api_ai_characters__slug___get"];
        /**
         * Replace Character
         * @description Replace a character; fields left out return to their defaults. The slug cannot change.
         */
        put: operations["replace_character_api_ai_characters__slug___put"];
        post?: never;
        /**
         * Delete Character
         * @description Delete a character with its sessions and stored form responses.
         */
        delete: operations["delete_character_api_ai_characters__slug___delete"];
        options?: never;
        head?: never;
        /**
         * Update Character
         * @description Change only the fields sent (guide, Pattern 2). Sending ``tools`` replaces the list.
         *
         *     Tool header values are write-only: responses show ``"********"``; sending that mask back
         *     keeps the stored value.
         */
        patch: operations["update_character_api_ai_characters__slug___patch"];
        trace?: never;
    };
    "/api/ai-characters/{slug}/knowledge-search/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Search Documents
         * @description What the agent's ``kb`` tool would find for ``q``: the best passages, best first.
         */
        get: operations["search_documents_api_ai_characters__slug__knowledge_search__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/ai-characters/{slug}/knowledge/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Documents
         * @description The character's documents, oldest first, with their indexing status and progress.
         */
        get: operations["list_documents_api_ai_characters__slug__knowledge__get"];
        put?: never;
        /**
         * Upload Document
         * @description Add a document (.txt, .md, .html or .pdf) to the character's knowledge base.
         *
         *     Small documents are indexed before the answer (201, ``status: ready``). Large ones answer
         *     202 with ``status: processing``; poll the document for ``progress`` (0-100) until it is
         *     ``ready`` (or ``failed`` with an ``error``). Unsupported, malformed, encrypted or hostile
         *     files are refused with 400 and nothing is stored.
         */
        post: operations["upload_document_api_ai_characters__slug__knowledge__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/ai-characters/{slug}/knowledge/{document_id}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get Document */
        get: operations["get_document_api_ai_characters__slug__knowledge__document_id___get"];
        put?: never;
        post?: never;
        /**
         * Delete Document
         * @description Delete a document and its passages from the index (also while it is processing).
         */
        delete: operations["delete_document_api_ai_characters__slug__knowledge__document_id___delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/ai-characters/{slug}/tools/{name}/mcp-tools/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Mcp Tools
         * @description Connect to an ``mcp`` tool's server and list its tools (name, description,
         *     input_schema), or ``ok: false`` with the exact reason it could not be reached.
         */
        get: operations["list_mcp_tools_api_ai_characters__slug__tools__name__mcp_tools__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/ai-characters/{slug}/tools/{name}/test/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Test Tool
         * @description Run the tool once, as a call would (the dashboard's **Test** button).
         *
         *     ``arguments`` are checked against the tool's ``input_schema`` (400 naming the field), then
         *     sent through the same egress client (``OSHARA_EGRESS_ALLOW``) with the stored headers and
         *     signature. A failed run is still 200: ``ok: false`` with the error the agent would see
         *     (a refused private address names the setting that allows it). ``mcp`` tools: name the
         *     server's tool in ``mcp_tool``. Header values never appear in the answer. Rate-limited per
         *     organization (``OSHARA_TOOL_TEST_LIMIT_PER_ORG``).
         */
        post: operations["test_tool_api_ai_characters__slug__tools__name__test__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/ai-characters/{slug}/webhook-secret/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Webhook Secret
         * @description Whether the character's ``http`` tool requests are signed, and since when.
         *
         *     Never the secret itself: it is shown once, by the ``POST`` that creates it.
         */
        get: operations["get_webhook_secret_api_ai_characters__slug__webhook_secret__get"];
        put?: never;
        /**
         * Create Webhook Secret
         * @description Create (or rotate) the signing secret of the character's ``http`` tools.
         *
         *     The answer holds the new ``whsec_…`` secret: it is shown **once**, store it now. From the
         *     next session on, every tool request carries Standard Webhooks headers (``webhook-id``,
         *     ``webhook-timestamp``, ``webhook-signature``) signed with it; a previous secret stops
         *     being used at once. No body, or ``{}``.
         */
        post: operations["create_webhook_secret_api_ai_characters__slug__webhook_secret__post"];
        /**
         * Delete Webhook Secret
         * @description Turn signing off: the secret is deleted; new sessions send unsigned tool requests.
         */
        delete: operations["delete_webhook_secret_api_ai_characters__slug__webhook_secret__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/api-keys/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Api Keys
         * @description The organization's keys (admins and owners, or a key).
         */
        get: operations["list_api_keys_api_api_keys__get"];
        put?: never;
        /**
         * Create Api Key
         * @description Create a server-to-server key (a signed-in admin or owner). It acts as an admin of the
         *     organization. The full key is in this response only.
         */
        post: operations["create_api_key_api_api_keys__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/api-keys/{key_id}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke Api Key
         * @description Revoke a key (a signed-in admin or owner): it stops working at once.
         */
        delete: operations["revoke_api_key_api_api_keys__key_id___delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/login/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Login
         * @description Exchange email and password for an access and a refresh token.
         *
         *     Rate-limited per client address, and failed attempts per account (429, Retry-After).
         */
        post: operations["login_api_auth_login__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/logout/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Logout
         * @description Revoke this login: its access and refresh tokens stop working at once.
         */
        post: operations["logout_api_auth_logout__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/me/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Me
         * @description The caller: user (or API key) and organization.
         */
        get: operations["me_api_auth_me__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/password/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change Password
         * @description Change the password; every other login of this user is revoked.
         */
        post: operations["change_password_api_auth_password__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/refresh/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Refresh
         * @description Rotate a refresh token. Each refresh token works once; reuse revokes the whole login.
         */
        post: operations["refresh_api_auth_refresh__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/register/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Register
         * @description Create an account that owns a **new** organization, or join one by invitation.
         *
         *     Without ``invitation``: always a new organization named ``organization`` (names need not
         *     be unique; nobody ever joins an organization by its name). Off with
         *     ``OSHARA_REGISTRATION_ENABLED=false``.
         *
         *     With ``invitation`` (a token from ``POST /api/organization/invitations/``): the account
         *     joins the inviting organization with the invited role; the email must be the invited one.
         *     Works even when open registration is off. If the email already has an account, the
         *     password must be that account's, and that account joins.
         */
        post: operations["register_api_auth_register__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/health/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Health */
        get: operations["health_api_health__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/models/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Models
         * @description Local models (installed or not) and cloud providers (configured or not) per role, with
         *     the exact ``llm_model`` / ``stt_model`` / ``tts_model`` string to store. Never a key.
         */
        get: operations["list_models_api_models__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/organization/invitations/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Invitations
         * @description Pending invitations (not yet accepted, revoked or expired); never their tokens.
         */
        get: operations["list_invitations_api_organization_invitations__get"];
        put?: never;
        /**
         * Create Invitation
         * @description Invite an email address with a role (admins: admin or member; owners: any role).
         *
         *     The answer holds the invitation ``token``: it is shown **once** (only its hash is kept).
         *     Give it to the invitee, who sends it as ``invitation`` to ``POST /api/auth/register/``,
         *     or, already signed in, to ``POST /api/organization/join/``. It works once, for that
         *     email, until ``expires_at`` (``OSHARA_INVITATION_TTL_SECONDS``, default 7 days).
         *     Inviting the same email again replaces the pending invitation.
         */
        post: operations["create_invitation_api_organization_invitations__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/organization/invitations/{invitation_id}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke Invitation
         * @description Revoke a pending invitation: its token stops working at once.
         */
        delete: operations["revoke_invitation_api_organization_invitations__invitation_id___delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/organization/join/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Accept Invitation
         * @description Join the inviting organization with the invited role (signed in as the invited email).
         *
         *     Answers a new ``{access, refresh}`` login in that organization (your current login stays
         *     in the one it was made for). Sign in to either later with ``organization`` on
         *     ``POST /api/auth/login/``. An unknown token is 404; an expired, used or revoked one 410.
         */
        post: operations["accept_invitation_api_organization_join__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/organization/members/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Members
         * @description Everyone in your organization with their role, oldest member first.
         */
        get: operations["list_members_api_organization_members__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/organization/members/{user_id}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Remove Member
         * @description Remove a member (owners), or leave (your own id). Their logins here end at once.
         *
         *     The last owner cannot be removed (409).
         */
        delete: operations["remove_member_api_organization_members__user_id___delete"];
        options?: never;
        head?: never;
        /**
         * Change Member Role
         * @description Change a member's role (owners only). The last owner cannot be demoted (409).
         */
        patch: operations["change_member_role_api_organization_members__user_id___patch"];
        trace?: never;
    };
    "/api/sessions/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Sessions
         * @description Your organization's sessions, newest first.
         */
        get: operations["list_sessions_api_sessions__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{session_id}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Session
         * @description One session with its transcript, tool calls, events and latency metrics.
         */
        get: operations["get_session_api_sessions__session_id___get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{session_id}/events/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Session Events
         * @description The session's timeline as Server-Sent Events, as it is recorded.
         *
         *     Authenticate with ``Authorization: Bearer <JWT or API key>`` or ``?ticket=``. On connect:
         *     ``status`` (``{status, started_at, ended_at, end_reason}``) and every item so far; then
         *     ``turn`` / ``tool_call`` / ``event`` items (the shapes of ``GET /api/sessions/{id}/``) and
         *     ``status`` changes as they happen; ``end`` (``{status, end_reason}``) when the session is
         *     over, and the stream closes. ``: keep-alive`` comments every 15 s.
         */
        get: operations["session_events_api_sessions__session_id__events__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{session_id}/events/ticket/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Events Ticket
         * @description A short-lived ticket to open the session's event stream from a browser
         *     (``new EventSource(url)``). Valid for 60 seconds, for this session only. No body.
         */
        post: operations["events_ticket_api_sessions__session_id__events_ticket__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{session_id}/messages/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Text Message
         * @description Text mode: one visitor message → the agent's reply and the tools it called.
         *
         *     ``{reply, tool_calls: [{name, arguments, status, duration_ms}], ended, forms?,
         *     greeting?}``: tool results are not part of it (the owner's session detail has them).
         */
        post: operations["text_message_api_sessions__session_id__messages__post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{session_id}/webrtc/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Webrtc Offer
         * @description The browser's SDP offer (``@pipecat-ai/small-webrtc-transport``) → the SDP answer.
         */
        post: operations["webrtc_offer_api_sessions__session_id__webrtc__post"];
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Webrtc Ice
         * @description Trickled ICE candidates ``{pc_id, candidates}`` for this session's connection.
         */
        patch: operations["webrtc_ice_api_sessions__session_id__webrtc__patch"];
        trace?: never;
    };
    "/api/stats/overview/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Overview
         * @description Sessions, calls and form submissions per day, median and p95 turn latency and the tool
         *     error rate of your organization (or one agent) over the last ``days`` days.
         */
        get: operations["get_overview_api_stats_overview__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * AgentSessionIn
         * @description ``POST /api/agents/agent-session/`` (guide, Pattern 1).
         */
        AgentSessionIn: {
            /**
             * Agent
             * @description The character's slug.
             */
            agent: string;
            /** Language */
            language?: string | null;
            /**
             * Metadata
             * @description The caller's user context, rendered into the prompt.
             */
            metadata?: {
                [key: string]: unknown;
            };
            /**
             * Mode
             * @default voice
             * @enum {string}
             */
            mode?: "voice" | "text";
        };
        /** AgentSessionOut */
        AgentSessionOut: {
            /**
             * Expires At
             * Format: date-time
             */
            expires_at: string;
            /** Livekit Url */
            livekit_url: string | null;
            /** Session Id */
            session_id: string;
            /** Token */
            token: string;
            /**
             * Transport
             * @enum {string}
             */
            transport: "webrtc" | "livekit" | "text";
            /** Webrtc Url */
            webrtc_url: string | null;
        };
        /** ApiKeyCreated */
        ApiKeyCreated: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Key */
            key: string;
            /** Last Used At */
            last_used_at: string | null;
            /** Name */
            name: string;
            /** Prefix */
            prefix: string;
        };
        /** ApiKeyCreateIn */
        ApiKeyCreateIn: {
            /**
             * Name
             * @default
             */
            name?: string;
        };
        /** ApiKeyOut */
        ApiKeyOut: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Last Used At */
            last_used_at: string | null;
            /** Name */
            name: string;
            /** Prefix */
            prefix: string;
        };
        /**
         * AppearanceOut
         * @description Public appearance of a character (``GET /api/agents/{slug}/appearance/``).
         *
         *     Exactly these keys: nothing secret, nothing about models, prompts or tools.
         */
        AppearanceOut: {
            /**
             * Forms
             * @description Full form definitions (guide Pattern 5)
             */
            forms: components["schemas"]["PublicFormDefinition"][];
            /** Language */
            language: string;
            /** Name */
            name: string;
            /**
             * Position
             * @default bottom-right
             * @enum {string}
             */
            position?: "bottom-right" | "bottom-left";
            /** Slug */
            slug: string;
            /**
             * PublicTheme
             * @description Widget theme: the known keys, plus other keys holding a string, number or boolean.
             */
            theme: {
                /** Background Color */
                background_color?: string;
                /** Border Radius */
                border_radius?: number | string;
                /** Font Family */
                font_family?: string;
                /**
                 * Position
                 * @enum {string}
                 */
                position?: "bottom-right" | "bottom-left";
                /** Primary Color */
                primary_color?: string;
                /** Text Color */
                text_color?: string;
            } & {
                [key: string]: string | number | boolean;
            };
        };
        /**
         * Builtins
         * @description Built-in tools the agent may use: ``show_form(form_id, prefill?)`` and ``end_call``.
         */
        Builtins: {
            /**
             * End Call
             * @default true
             */
            end_call?: boolean;
            /**
             * Show Form
             * @default true
             */
            show_form?: boolean;
        };
        /**
         * BuiltinsUpdate
         * @description PATCH of ``builtins``: only the keys sent change.
         */
        BuiltinsUpdate: {
            /** End Call */
            end_call?: boolean | null;
            /** Show Form */
            show_form?: boolean | null;
        };
        /**
         * CharacterCreate
         * @description Body of ``POST /api/ai-characters/`` and ``PUT /api/ai-characters/{slug}/``.
         */
        CharacterCreate: {
            /**
             * Allowed Origins
             * @description Origins allowed to start sessions: exact, https://*.example.com, or *
             */
            allowed_origins?: string[];
            builtins?: components["schemas"]["Builtins"];
            /**
             * Greeting
             * @default
             */
            greeting?: string;
            /**
             * Language
             * @default en
             */
            language?: string;
            limits?: components["schemas"]["Limits"];
            /**
             * Llm Model
             * @default local:qwen2.5-1.5b
             */
            llm_model?: string;
            /** Name */
            name: string;
            /**
             * Slug
             * @description Globally unique, ^[a-z0-9][a-z0-9-]{1,62}$
             */
            slug: string;
            /**
             * Stt Model
             * @default local:whisper-tiny.en
             */
            stt_model?: string;
            /**
             * System Prompt
             * @default
             */
            system_prompt?: string;
            /** Tools */
            tools?: components["schemas"]["CharacterTool"][];
            /**
             * Tts Model
             * @default local:piper
             */
            tts_model?: string;
            /**
             * Voice
             * @description e.g. en_US-joe-medium
             */
            voice?: string | null;
            widget_appearance?: components["schemas"]["WidgetAppearance-Input"];
        };
        /**
         * CharacterOut
         * @description A character as its owner sees it. Tool header values are always masked.
         *
         *     ``system_prompt`` and ``tools`` are null for callers with the ``member`` role.
         */
        CharacterOut: {
            /** Allowed Origins */
            allowed_origins: string[];
            builtins: components["schemas"]["Builtins"];
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Greeting */
            greeting: string;
            /** Language */
            language: string;
            limits: components["schemas"]["Limits"];
            /** Llm Model */
            llm_model: string;
            /** Name */
            name: string;
            /** Slug */
            slug: string;
            /** Stt Model */
            stt_model: string;
            /** System Prompt */
            system_prompt: string | null;
            /** Tools */
            tools: components["schemas"]["CharacterTool"][] | null;
            /** Tts Model */
            tts_model: string;
            /**
             * Updated At
             * Format: date-time
             */
            updated_at: string;
            /** Voice */
            voice: string | null;
            widget_appearance: components["schemas"]["WidgetAppearance-Output"];
        };
        /**
         * CharacterSaved
         * @description The response of a create or update: the character plus save-time ``warnings``, present
         *     only when there is something to say (so a save answers exactly what GET answers, and the
         *     body can be sent back as is).
         */
        CharacterSaved: {
            /** Allowed Origins */
            allowed_origins: string[];
            builtins: components["schemas"]["Builtins"];
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Greeting */
            greeting: string;
            /** Language */
            language: string;
            limits: components["schemas"]["Limits"];
            /** Llm Model */
            llm_model: string;
            /** Name */
            name: string;
            /** Slug */
            slug: string;
            /** Stt Model */
            stt_model: string;
            /** System Prompt */
            system_prompt: string | null;
            /** Tools */
            tools: components["schemas"]["CharacterTool"][] | null;
            /** Tts Model */
            tts_model: string;
            /**
             * Updated At
             * Format: date-time
             */
            updated_at: string;
            /** Voice */
            voice: string | null;
            /**
             * Warnings
             * @description Tool URLs calls will be refused for (private targets need OSHARA_EGRESS_ALLOW); left out when there is nothing to say.
             */
            warnings?: components["schemas"]["EgressWarning"][];
            widget_appearance: components["schemas"]["WidgetAppearance-Output"];
        };
        /**
         * CharacterTool
         * @description One tool of a character, as sent by the owner and validated.
         */
        CharacterTool: {
            /** Config */
            config?: components["schemas"]["HttpToolConfig"] | components["schemas"]["KbToolConfig"] | components["schemas"]["McpToolConfig"];
            /**
             * Description
             * @default
             */
            description?: string;
            /**
             * Enabled
             * @default true
             */
            enabled?: boolean;
            /**
             * Input Schema
             * @description JSON Schema (Draft 2020-12) of the arguments; its root must be an object.
             */
            input_schema?: {
                [key: string]: unknown;
            };
            /**
             * Kind
             * @enum {string}
             */
            kind: "http" | "kb" | "mcp";
            /**
             * Name
             * @description Function name shown to the LLM, ^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$
             */
            name: string;
        };
        /**
         * CharacterUpdate
         * @description Body of ``PATCH /api/ai-characters/{slug}/``: only the fields sent change.
         *
         *     ``slug`` is accepted so a GET body can be sent back, but it must equal the current slug
         *     (checked by the service; :meth:`apply_to` never changes the slug). ``null`` is refused
         *     except for ``voice``.
         */
        CharacterUpdate: {
            /** Allowed Origins */
            allowed_origins?: string[] | null;
            builtins?: components["schemas"]["BuiltinsUpdate"] | null;
            /** Greeting */
            greeting?: string | null;
            /** Language */
            language?: string | null;
            limits?: components["schemas"]["LimitsUpdate"] | null;
            /** Llm Model */
            llm_model?: string | null;
            /** Name */
            name?: string | null;
            /** Slug */
            slug?: string | null;
            /** Stt Model */
            stt_model?: string | null;
            /** System Prompt */
            system_prompt?: string | null;
            /** Tools */
            tools?: components["schemas"]["CharacterTool"][] | null;
            /** Tts Model */
            tts_model?: string | null;
            /** Voice */
            voice?: string | null;
            widget_appearance?: components["schemas"]["WidgetAppearanceUpdate"] | null;
        };
        /**
         * CloudOption
         * @description One choice of a cloud provider.
         */
        CloudOption: {
            /** Label */
            label: string;
            /**
             * Value
             * @description The string to store, e.g. gpt-4o-mini or deepgram:nova-3
             */
            value: string;
        };
        /**
         * CloudProvider
         * @description A cloud provider; usable when ``configured``.
         */
        CloudProvider: {
            /**
             * Configured
             * @description Its key (or base URL) is set on this server
             */
            configured: boolean;
            /**
             * Custom
             * @description The form of any other model name, e.g. openai:<model>
             */
            custom?: string | null;
            /** Label */
            label: string;
            /** Options */
            options: components["schemas"]["CloudOption"][];
            /** Provider */
            provider: string;
            /**
             * Setting
             * @description The setting that configures it, e.g. OSHARA_DEEPGRAM_API_KEY
             */
            setting: string;
        };
        /**
         * DayStats
         * @description One UTC day.
         */
        DayStats: {
            /**
             * Calls
             * @description Sessions that connected (a call or a text conversation)
             */
            calls: number;
            /**
             * Date
             * Format: date
             */
            date: string;
            /** Form Submissions */
            form_submissions: number;
            /**
             * Sessions
             * @description Sessions started (tokens issued)
             */
            sessions: number;
        };
        /** DocumentOut */
        DocumentOut: {
            /**
             * Char Count
             * @description Characters of text extracted
             */
            char_count: number;
            /**
             * Chunk Count
             * @description Chunks indexed so far
             */
            chunk_count: number;
            /** Content Type */
            content_type: string;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Error
             * @description Why ingestion failed
             */
            error?: string | null;
            /** Filename */
            filename: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Page Count */
            page_count?: number | null;
            /**
             * Progress
             * @description 0-100: share of the chunks indexed so far
             */
            progress: number;
            /**
             * Size
             * @description Bytes uploaded
             */
            size: number;
            /**
             * Status
             * @enum {string}
             */
            status: "processing" | "ready" | "failed";
            /** Title */
            title: string;
            /** Total Chunks */
            total_chunks: number;
            /**
             * Updated At
             * Format: date-time
             */
            updated_at: string;
        };
        /**
         * EgressWarning
         * @description A problem that does not stop the save but will stop calls.
         */
        EgressWarning: {
            /**
             * Field
             * @description e.g. tools[0].config.url
             */
            field: string;
            /** Message */
            message: string;
        };
        /**
         * ErrorBody
         * @description The JSON body of every error response.
         */
        ErrorBody: {
            /** Detail */
            detail: string;
        };
        /** EventOut */
        EventOut: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Data */
            data: {
                [key: string]: unknown;
            };
            /** Kind */
            kind: string;
        };
        /**
         * EventsTicket
         * @description A ticket for one session's event stream.
         */
        EventsTicket: {
            /**
             * Expires At
             * Format: date-time
             */
            expires_at: string;
            /** Ticket */
            ticket: string;
            /**
             * Url
             * @description The stream's path with the ticket, for EventSource
             */
            url: string;
        };
        /** FieldErrorItem */
        FieldErrorItem: {
            /** Field */
            field: string;
            /** Message */
            message: string;
        };
        /**
         * FormDefinition
         * @description A form the agent can show (``show_form``) or the visitor can open.
         *
         *     Exactly one of ``fields`` and ``steps`` is given. Field names are unique across the whole
         *     form. ``submit_url: null`` stores submissions in managed storage.
         */
        FormDefinition: {
            /** Fields */
            fields?: components["schemas"]["FormField"][] | null;
            /** Id */
            id: string;
            /** Steps */
            steps?: components["schemas"]["FormStep"][] | null;
            /** Submit Label */
            submit_label?: string | null;
            /**
             * Submit Method
             * @default POST
             * @enum {string}
             */
            submit_method?: "POST" | "PUT" | "PATCH";
            /** Submit Url */
            submit_url?: string | null;
            /** Subtitle */
            subtitle?: string | null;
            /** Success Message */
            success_message?: string | null;
            /** Title */
            title: string;
            /**
             * Visitor Can Open
             * @default true
             */
            visitor_can_open?: boolean;
        };
        /**
         * FormField
         * @description One field of a form, as listed in the guide's "Field schema reference".
         */
        FormField: {
            /** Default Value */
            default_value?: string | null;
            /** Help Text */
            help_text?: string | null;
            /** Label */
            label: string;
            /** Max */
            max?: number | null;
            /** Min */
            min?: number | null;
            /** Name */
            name?: string | null;
            /** Options */
            options?: (string | components["schemas"]["FormOption"])[] | null;
            /** Pattern */
            pattern?: string | null;
            /** Placeholder */
            placeholder?: string | null;
            /**
             * Required
             * @default false
             */
            required?: boolean;
            /** Rows */
            rows?: number | null;
            /**
             * Type
             * @enum {string}
             */
            type: "text" | "email" | "tel" | "textarea" | "select" | "number" | "date" | "time" | "checkbox" | "radio" | "display";
            /** Width */
            width?: ("full" | "half") | null;
        };
        /**
         * FormInvalidBody
         * @description 400 of a submission: ``{detail, errors?}`` like every 400, plus ``field_errors``
         *     (``{field name: message}``) when the values fail the stored form's rules.
         */
        FormInvalidBody: {
            /** Detail */
            detail: string;
            /** Errors */
            errors?: components["schemas"]["FieldErrorItem"][];
            /** Field Errors */
            field_errors?: {
                [key: string]: string;
            };
        };
        /**
         * FormOption
         * @description A select/radio choice in object form: ``{"value": ..., "label"?: ...}``.
         */
        FormOption: {
            /** Label */
            label?: string | null;
            /** Value */
            value: string;
        };
        /** FormResponseIn */
        FormResponseIn: {
            /** Form Id */
            form_id: string;
            /** Session Id */
            session_id?: string | null;
            /**
             * Values
             * @description Flat object of field name → value, as the form was filled.
             */
            values: unknown;
        };
        /** FormResponseOut */
        FormResponseOut: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Form Id */
            form_id: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Session Id */
            session_id: string | null;
            /** Source */
            source: string;
            /** Values */
            values: {
                [key: string]: unknown;
            };
        };
        /**
         * FormStep
         * @description One step of a multi-step form.
         */
        FormStep: {
            /** Fields */
            fields: components["schemas"]["FormField"][];
            /** Id */
            id: string;
            /** Title */
            title?: string | null;
        };
        /**
         * HttpToolConfig
         * @description ``kind: "http"`` — the LLM's arguments are sent as the JSON body to ``url``.
         */
        HttpToolConfig: {
            /** Headers */
            headers?: {
                [key: string]: string;
            };
            /**
             * Method
             * @default POST
             * @enum {string}
             */
            method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
            /**
             * Timeout Seconds
             * @default 10
             */
            timeout_seconds?: number;
            /** Url */
            url: string;
        };
        /** InvitationAcceptIn */
        InvitationAcceptIn: {
            /** Token */
            token: string;
        };
        /** InvitationCreated */
        InvitationCreated: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Email */
            email: string;
            /**
             * Expires At
             * Format: date-time
             */
            expires_at: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /**
             * Invited By
             * @description Email of the user who sent it
             */
            invited_by: string | null;
            role: components["schemas"]["Role"];
            /**
             * Token
             * @description Shown once; only its hash is stored. The invitee sends it as `invitation` to POST /api/auth/register/ (new account), or signed in to POST /api/organization/join/ (existing account).
             */
            token: string;
        };
        /** InvitationCreateIn */
        InvitationCreateIn: {
            /** Email */
            email: string;
            /** @default member */
            role?: components["schemas"]["Role"];
        };
        /**
         * InvitationOut
         * @description A pending invitation (never its token: that is shown once, when it is created).
         */
        InvitationOut: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Email */
            email: string;
            /**
             * Expires At
             * Format: date-time
             */
            expires_at: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /**
             * Invited By
             * @description Email of the user who sent it
             */
            invited_by: string | null;
            role: components["schemas"]["Role"];
        };
        /**
         * KbToolConfig
         * @description ``kind: "kb"`` — searches the character's knowledge base.
         */
        KbToolConfig: {
            /**
             * Top K
             * @default 4
             */
            top_k?: number;
        };
        /**
         * LatencyStats
         * @description Per-turn latency: user stopped speaking (or sent a message) → first agent output.
         */
        LatencyStats: {
            /** Median Ms */
            median_ms: number | null;
            /** P95 Ms */
            p95_ms: number | null;
            /**
             * Turns
             * @description Turns with a recorded latency
             */
            turns: number;
        };
        /**
         * Limits
         * @description Per-character limits on sessions.
         */
        Limits: {
            /**
             * Idle Timeout Seconds
             * @default 120
             */
            idle_timeout_seconds?: number;
            /**
             * Max Concurrent Sessions
             * @default 10
             */
            max_concurrent_sessions?: number;
            /**
             * Max Session Seconds
             * @default 900
             */
            max_session_seconds?: number;
            /**
             * Sessions Per Minute
             * @default 30
             */
            sessions_per_minute?: number;
        };
        /**
         * LimitsUpdate
         * @description PATCH of ``limits``: only the keys sent change.
         */
        LimitsUpdate: {
            /** Idle Timeout Seconds */
            idle_timeout_seconds?: number | null;
            /** Max Concurrent Sessions */
            max_concurrent_sessions?: number | null;
            /** Max Session Seconds */
            max_session_seconds?: number | null;
            /** Sessions Per Minute */
            sessions_per_minute?: number | null;
        };
        /**
         * LocalModel
         * @description A model that runs on this server, offline.
         */
        LocalModel: {
            /**
             * Available
             * @description Installed and the package that runs it is present
             */
            available: boolean;
            /**
             * Default
             * @description What a new character uses
             */
            default: boolean;
            /** Description */
            description: string;
            /**
             * Install Hint
             * @description What to run when it is not available
             */
            install_hint?: string | null;
            /**
             * Installed
             * @description Its weights are on this server
             */
            installed: boolean;
            /**
             * License
             * @default
             */
            license?: string;
            /** Name */
            name: string;
            /** Size Bytes */
            size_bytes?: number | null;
            /**
             * Value
             * @description The string to store, e.g. local:qwen2.5-0.5b
             */
            value: string;
        };
        /**
         * McpToolConfig
         * @description ``kind: "mcp"`` — the tools of a remote MCP server, listed at session start.
         */
        McpToolConfig: {
            /** Headers */
            headers?: {
                [key: string]: string;
            };
            /**
             * Timeout Seconds
             * @default 10
             */
            timeout_seconds?: number;
            /**
             * Transport
             * @default streamable-http
             * @enum {string}
             */
            transport?: "streamable-http" | "sse";
            /** Url */
            url: string;
        };
        /**
         * McpToolInfo
         * @description One tool an MCP server offers.
         */
        McpToolInfo: {
            /** Description */
            description?: string | null;
            /** Input Schema */
            input_schema?: {
                [key: string]: unknown;
            };
            /** Name */
            name: string;
        };
        /**
         * McpToolsOut
         * @description The tools of an ``mcp`` tool's server, or why it could not be listed.
         */
        McpToolsOut: {
            /** Duration Ms */
            duration_ms: number;
            error?: components["schemas"]["ToolTestError"] | null;
            /** Ok */
            ok: boolean;
            /** Tools */
            tools?: components["schemas"]["McpToolInfo"][];
        };
        /**
         * MemberOut
         * @description A member of the caller's organization.
         */
        MemberOut: {
            /** Email */
            email: string;
            /** Full Name */
            full_name: string;
            /**
             * Joined At
             * Format: date-time
             */
            joined_at: string;
            role: components["schemas"]["Role"];
            /**
             * User Id
             * Format: uuid
             */
            user_id: string;
        };
        /** MemberUpdateIn */
        MemberUpdateIn: {
            role: components["schemas"]["Role"];
        };
        /** MeOut */
        MeOut: {
            /** Auth */
            auth: string;
            /** Email */
            email: string | null;
            /** Full Name */
            full_name: string | null;
            /** Id */
            id: string | null;
            organization: components["schemas"]["OrganizationOut"];
            /** Role */
            role: string;
        };
        /**
         * ModelsOut
         * @description ``GET /api/models/``: the choices for each role.
         */
        ModelsOut: {
            llm: components["schemas"]["RoleModels"];
            stt: components["schemas"]["RoleModels"];
            tts: components["schemas"]["RoleModels"];
        };
        /**
         * OfferedFormOut
         * @description A form the agent showed (``show_form``) during a text turn.
         */
        OfferedFormOut: {
            form: components["schemas"]["PublicFormDefinition"];
            /** Form Id */
            form_id: string;
            /** Prefill */
            prefill?: {
                [key: string]: unknown;
            };
        };
        /** OrganizationOut */
        OrganizationOut: {
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Name */
            name: string;
        };
        /**
         * OverviewOut
         * @description ``GET /api/stats/overview/``.
         */
        OverviewOut: {
            /** Agent */
            agent: string | null;
            /** Days */
            days: number;
            latency: components["schemas"]["LatencyStats"];
            /**
             * Per Day
             * @description Every day of the window, oldest first
             */
            per_day: components["schemas"]["DayStats"][];
            /**
             * Since
             * Format: date-time
             * @description Start of the first day (UTC midnight)
             */
            since: string;
            tools: components["schemas"]["ToolStats"];
            totals: components["schemas"]["OverviewTotals"];
            /**
             * Until
             * Format: date-time
             * @description When the figures were computed
             */
            until: string;
        };
        /** OverviewTotals */
        OverviewTotals: {
            /** Calls */
            calls: number;
            /** Form Submissions */
            form_submissions: number;
            /** Sessions */
            sessions: number;
        };
        /** PassageOut */
        PassageOut: {
            /** Chunk Index */
            chunk_index: number;
            /**
             * Document Id
             * Format: uuid
             */
            document_id: string;
            /** Heading */
            heading: string;
            /** Page */
            page: number | null;
            /** Score */
            score: number;
            /** Text */
            text: string;
            /** Title */
            title: string;
        };
        /** PasswordChangeIn */
        PasswordChangeIn: {
            /** Current Password */
            current_password: string;
            /** New Password */
            new_password: string;
        };
        /**
         * PublicFormDefinition
         * @description A form the agent can show or the visitor can open: ``fields`` or ``steps``.
         */
        PublicFormDefinition: {
            /** Fields */
            fields?: components["schemas"]["PublicFormField"][];
            /** Id */
            id: string;
            /** Steps */
            steps?: components["schemas"]["PublicFormStep"][];
            /** Submit Label */
            submit_label?: string;
            /**
             * Submit Method
             * @enum {string}
             */
            submit_method?: "POST" | "PUT" | "PATCH";
            /** Submit Url */
            submit_url: string | null;
            /** Subtitle */
            subtitle?: string;
            /** Success Message */
            success_message?: string;
            /** Title */
            title: string;
            /** Visitor Can Open */
            visitor_can_open?: boolean;
        };
        /**
         * PublicFormField
         * @description One field of a form (the guide's "Field schema reference"); unset attributes absent.
         */
        PublicFormField: {
            /** Default Value */
            default_value?: string;
            /** Help Text */
            help_text?: string;
            /** Label */
            label: string;
            /** Max */
            max?: number;
            /** Min */
            min?: number;
            /** Name */
            name?: string;
            /** Options */
            options?: (string | components["schemas"]["PublicFormOption"])[];
            /** Pattern */
            pattern?: string;
            /** Placeholder */
            placeholder?: string;
            /** Required */
            required?: boolean;
            /** Rows */
            rows?: number;
            /**
             * Type
             * @enum {string}
             */
            type: "text" | "email" | "tel" | "textarea" | "select" | "number" | "date" | "time" | "checkbox" | "radio" | "display";
            /**
             * Width
             * @enum {string}
             */
            width?: "full" | "half";
        };
        /**
         * PublicFormOption
         * @description A select/radio choice in object form; a plain string is its own value and label.
         */
        PublicFormOption: {
            /** Label */
            label?: string;
            /** Value */
            value: string;
        };
        /**
         * PublicFormStep
         * @description One step of a multi-step form.
         */
        PublicFormStep: {
            /** Fields */
            fields: components["schemas"]["PublicFormField"][];
            /** Id */
            id: string;
            /** Title */
            title?: string;
        };
        /**
         * PublicToolCall
         * @description A tool the agent called during a text turn, as the visitor sees it (no result).
         */
        PublicToolCall: {
            /** Arguments */
            arguments: {
                [key: string]: unknown;
            };
            /** Duration Ms */
            duration_ms?: number;
            /** Name */
            name: string;
            /** Status */
            status?: string;
        };
        /**
         * RateLimitedBody
         * @description A 429's body: ``detail`` and ``retry_after`` seconds (also the ``Retry-After`` header).
         */
        RateLimitedBody: {
            /** Detail */
            detail: string;
            /** Retry After */
            retry_after: number;
        };
        /** RegisterIn */
        RegisterIn: {
            /** Email */
            email: string;
            /**
             * Full Name
             * @default
             */
            full_name?: string;
            /**
             * Invitation
             * @description An invitation token: join the inviting organization with the invited role instead of creating one (the email must be the invited one)
             */
            invitation?: string | null;
            /**
             * Organization
             * @description Name of the new organization this account will own (names need not be unique: registering always creates a new organization)
             */
            organization?: string | null;
            /** Password */
            password: string;
        };
        /** RegisterOut */
        RegisterOut: {
            /** Access */
            access: string;
            /** Refresh */
            refresh: string;
            user: components["schemas"]["MeOut"];
        };
        /**
         * Role
         * @description A member's role in an organization; each role can do everything the ones below can.
         *
         *     - ``member``: reads agents (without prompts or tool configurations), sessions, form
         *       responses and knowledge.
         *     - ``admin``: also changes agents, tools, knowledge, API keys and webhook secrets, and
         *       invites admins and members.
         *     - ``owner``: also changes roles, removes members and invites owners.
         *
         *     API keys act as ``admin`` of their organization. The policy is applied in one place:
         *     :class:`oshara.deps.RequireRole`.
         * @enum {string}
         */
        Role: "owner" | "admin" | "member";
        /**
         * RoleModels
         * @description The choices for one role.
         */
        RoleModels: {
            /** Cloud */
            cloud: components["schemas"]["CloudProvider"][];
            /** Default */
            default: string;
            /** Local */
            local: components["schemas"]["LocalModel"][];
        };
        /** SessionDetail */
        SessionDetail: {
            /** Agent */
            agent: string;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** End Reason */
            end_reason: string | null;
            /** Ended At */
            ended_at: string | null;
            /** Events */
            events: components["schemas"]["EventOut"][];
            /** Id */
            id: string;
            /** Language */
            language: string;
            /** Metadata */
            metadata: {
                [key: string]: unknown;
            };
            /** Metrics */
            metrics: {
                [key: string]: unknown;
            };
            /** Mode */
            mode: string;
            /** Origin */
            origin: string | null;
            /** Started At */
            started_at: string | null;
            /** Status */
            status: string;
            /** Tool Calls */
            tool_calls: components["schemas"]["ToolCallOut"][];
            /** Transcript */
            transcript: components["schemas"]["TurnOut"][];
            /** Transport */
            transport: string;
        };
        /**
         * SessionStatus
         * @enum {string}
         */
        SessionStatus: "created" | "active" | "ended" | "failed";
        /** SessionSummary */
        SessionSummary: {
            /** Agent */
            agent: string;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** End Reason */
            end_reason: string | null;
            /** Ended At */
            ended_at: string | null;
            /** Id */
            id: string;
            /** Language */
            language: string;
            /** Metadata */
            metadata: {
                [key: string]: unknown;
            };
            /** Mode */
            mode: string;
            /** Origin */
            origin: string | null;
            /** Started At */
            started_at: string | null;
            /** Status */
            status: string;
            /** Transport */
            transport: string;
        };
        /**
         * TextTurnOut
         * @description Answer of ``POST /api/sessions/{id}/messages/`` (documented; sent as a plain dict).
         */
        TextTurnOut: {
            /** Ended */
            ended: boolean;
            /** Forms */
            forms?: components["schemas"]["OfferedFormOut"][];
            /** Greeting */
            greeting?: string;
            /** Reply */
            reply: string;
            /** Tool Calls */
            tool_calls: components["schemas"]["PublicToolCall"][];
        };
        /**
         * Theme
         * @description Widget theme. Known keys are typed; other keys may hold str/number/bool scalars.
         *
         *     Every key ending in ``_color`` must be a CSS colour. ``null`` means "not set" (and, in a
         *     PATCH, removes the key).
         */
        Theme: {
            /** Background Color */
            background_color?: string | null;
            /**
             * Border Radius
             * @description Pixels as a number, or a CSS length such as '12px'
             */
            border_radius?: number | string | null;
            /**
             * Font Family
             * @description CSS font-family list, e.g. "Inter, sans-serif"
             */
            font_family?: string | null;
            /** Position */
            position?: ("bottom-right" | "bottom-left") | null;
            /** Primary Color */
            primary_color?: string | null;
            /** Text Color */
            text_color?: string | null;
        } & {
            [key: string]: unknown;
        };
        /** TokenPair */
        TokenPair: {
            /** Access */
            access: string;
            /** Refresh */
            refresh: string;
        };
        /** ToolCallOut */
        ToolCallOut: {
            /** Arguments */
            arguments: {
                [key: string]: unknown;
            };
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Duration Ms */
            duration_ms: number | null;
            /** Error */
            error: string | null;
            /** Name */
            name: string;
            /** Result */
            result: unknown;
            /** Status */
            status: string;
        };
        /** ToolNameStats */
        ToolNameStats: {
            /** Calls */
            calls: number;
            /** Errors */
            errors: number;
            /** Name */
            name: string;
        };
        /**
         * ToolStats
         * @description Tool calls made by the agents; ``error_rate`` is errors / calls (null without calls).
         */
        ToolStats: {
            /** By Tool */
            by_tool?: components["schemas"]["ToolNameStats"][];
            /** Calls */
            calls: number;
            /** Error Rate */
            error_rate: number | null;
            /** Errors */
            errors: number;
        };
        /**
         * ToolTestError
         * @description The error the agent would have been told about.
         */
        ToolTestError: {
            /**
             * Code
             * @description http_error, timeout, blocked_address, tool_error, …
             */
            code: string;
            /** Details */
            details?: {
                [key: string]: string;
            }[] | null;
            /** Message */
            message: string;
            /** Status */
            status?: number | null;
        };
        /**
         * ToolTestIn
         * @description A test run: the arguments the agent would send (checked against ``input_schema``).
         */
        ToolTestIn: {
            /** Arguments */
            arguments?: {
                [key: string]: unknown;
            };
            /**
             * Mcp Tool
             * @description mcp tools only: which of the server's tools to call (see mcp-tools/)
             */
            mcp_tool?: string | null;
        };
        /**
         * ToolTestOut
         * @description The outcome of one test run.
         */
        ToolTestOut: {
            /**
             * Body
             * @description The answer as text (http: the response body; kb/mcp: the result as JSON), secret header values replaced by [redacted]
             */
            body?: string | null;
            /** Content Type */
            content_type?: string | null;
            /** Duration Ms */
            duration_ms: number;
            error?: components["schemas"]["ToolTestError"] | null;
            /** Kind */
            kind: string;
            /**
             * Ok
             * @description The agent would have received a result (not an error)
             */
            ok: boolean;
            /**
             * Status
             * @description HTTP status (http tools)
             */
            status?: number | null;
            /**
             * Truncated
             * @default false
             */
            truncated?: boolean;
        };
        /** TurnOut */
        TurnOut: {
            /** Ended At */
            ended_at: string | null;
            /** Interrupted */
            interrupted: boolean;
            /** Latency Ms */
            latency_ms: number | null;
            /** Role */
            role: string;
            /** Seq */
            seq: number;
            /**
             * Started At
             * Format: date-time
             */
            started_at: string;
            /** Text */
            text: string;
        };
        ValidationErrorBody: {
            detail: string;
            errors?: {
                field: string;
                message: string;
            }[];
        };
        /** WebhookSecretCreated */
        WebhookSecretCreated: {
            /**
             * Created At
             * @description When the current secret was created (null when signing is off).
             */
            created_at: string | null;
            /** Enabled */
            enabled: boolean;
            /**
             * Secret
             * @description The new signing secret, `whsec_<base64>`. Shown once; store it now.
             */
            secret: string;
        };
        /**
         * WebhookSecretOut
         * @description Whether the character's tool requests are signed. Never the secret itself.
         */
        WebhookSecretOut: {
            /**
             * Created At
             * @description When the current secret was created (null when signing is off).
             */
            created_at: string | null;
            /** Enabled */
            enabled: boolean;
        };
        /**
         * WidgetAppearance
         * @description How the widget looks and which forms the agent can show.
         */
        "WidgetAppearance-Input": {
            /** Forms */
            forms?: components["schemas"]["FormDefinition"][];
            /**
             * Name
             * @description Name shown in the widget; defaults to the character name.
             */
            name?: string | null;
            theme?: components["schemas"]["Theme"];
        };
        /**
         * WidgetAppearance
         * @description How the widget looks and which forms the agent can show.
         */
        "WidgetAppearance-Output": {
            /** Forms */
            forms?: components["schemas"]["PublicFormDefinition"][];
            /**
             * Name
             * @description Name shown in the widget; defaults to the character name.
             */
            name?: string | null;
            /**
             * PublicTheme
             * @description Widget theme: the known keys, plus other keys holding a string, number or boolean.
             */
            theme?: {
                /** Background Color */
                background_color?: string;
                /** Border Radius */
                border_radius?: number | string;
                /** Font Family */
                font_family?: string;
                /**
                 * Position
                 * @enum {string}
                 */
                position?: "bottom-right" | "bottom-left";
                /** Primary Color */
                primary_color?: string;
                /** Text Color */
                text_color?: string;
            } & {
                [key: string]: string | number | boolean;
            };
        };
        /**
         * WidgetAppearanceUpdate
         * @description PATCH of ``widget_appearance``: ``theme`` is merged key by key, ``forms`` replaced.
         */
        WidgetAppearanceUpdate: {
            /** Forms */
            forms?: components["schemas"]["FormDefinition"][] | null;
            /** Name */
            name?: string | null;
            theme?: components["schemas"]["Theme"] | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    get_appearance_api_agents__slug__appearance__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                slug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AppearanceOut"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_form_responses_api_agents__slug__form_responses__get: {
        parameters: {
            query?: {
                form_id?: string | null;
                /** @description csv: the same rows as a CSV download */
                format?: "json" | "csv";
                /** @description JSON: default 1000, at most 5000; CSV: default and at most 100000 */
                limit?: number | null;
                offset?: number;
                session_id?: string | null;
                /** @description ISO date/datetime, inclusive */
                since?: string | null;
                /** @description ISO date/datetime, exclusive */
                until?: string | null;
            };
            header?: never;
            path: {
                slug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The responses: JSON (default) or, with ``format=csv``, a CSV download (UTF-8 with a byte-order mark, a header row) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FormResponseOut"][];
                    "text/csv": string;
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    submit_form_response_api_agents__slug__form_responses__post: {
        parameters: {
            query?: never;
            header?: {
                "Idempotency-Key"?: string | null;
            };
            path: {
                slug: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["FormResponseIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FormResponseOut"];
                };
            };
            /** @description Invalid submission: the bad fields */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FormInvalidBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description TooManyRequests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RateLimitedBody"];
                };
            };
        };
    };
    start_agent_session_api_agents_agent_session__post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AgentSessionIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentSessionOut"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description TooManyRequests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RateLimitedBody"];
                };
            };
            /** @description ServerBusy */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_characters_api_ai_characters__get: {
        parameters: {
            query?: {
                limit?: number;
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CharacterOut"][];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_character_api_ai_characters__post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CharacterCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CharacterSaved"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_character_api_ai_characters__slug___get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                slug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CharacterOut"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    replace_character_api_ai_characters__slug___put: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                slug: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CharacterCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CharacterSaved"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_character_api_ai_characters__slug___delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                slug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    update_character_api_ai_characters__slug___patch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                slug: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CharacterUpdate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CharacterSaved"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    search_documents_api_ai_characters__slug__knowledge_search__get: {
        parameters: {
            query: {
                /** @description A question or keywords */
                q: string;
                top_k?: number;
            };
            header?: never;
            path: {
                slug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PassageOut"][];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_documents_api_ai_characters__slug__knowledge__get: {
        parameters: {
            query?: {
                limit?: number;
                offset?: number;
            };
            header?: never;
            path: {
                slug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DocumentOut"][];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    upload_document_api_ai_characters__slug__knowledge__post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                slug: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * Format
                     * @default text
                     * @enum {string}
                     */
                    format?: "text" | "markdown" | "html";
                    /** Text */
                    text: string;
                    /** Title */
                    title: string;
                };
                "multipart/form-data": {
                    /** Format: binary */
                    file: string;
                    title?: string;
                };
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DocumentOut"];
                };
            };
            /** @description Accepted; indexing in the background */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DocumentOut"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description PayloadTooLarge */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description UnsupportedMediaType */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_document_api_ai_characters__slug__knowledge__document_id___get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                document_id: string;
                slug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DocumentOut"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_document_api_ai_characters__slug__knowledge__document_id___delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                document_id: string;
                slug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_mcp_tools_api_ai_characters__slug__tools__name__mcp_tools__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                slug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpToolsOut"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description TooManyRequests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RateLimitedBody"];
                };
            };
        };
    };
    test_tool_api_ai_characters__slug__tools__name__test__post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                slug: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ToolTestIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ToolTestOut"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description TooManyRequests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RateLimitedBody"];
                };
            };
        };
    };
    get_webhook_secret_api_ai_characters__slug__webhook_secret__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                slug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSecretOut"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_webhook_secret_api_ai_characters__slug__webhook_secret__post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                slug: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSecretCreated"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_webhook_secret_api_ai_characters__slug__webhook_secret__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                slug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_api_keys_api_api_keys__get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyOut"][];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_api_key_api_api_keys__post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ApiKeyCreateIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyCreated"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    revoke_api_key_api_api_keys__key_id___delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    login_api_auth_login__post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Email */
                    email: string;
                    /**
                     * Organization
                     * @description Sign in to this organization (for a member of several); default: the first one joined
                     */
                    organization?: string | null;
                    /** Password */
                    password: string;
                };
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenPair"];
                };
            };
            /** @description ValidationFailed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description TooManyRequests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RateLimitedBody"];
                };
            };
        };
    };
    logout_api_auth_logout__post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** Refresh */
                    refresh?: string | null;
                };
            };
        };
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    me_api_auth_me__get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MeOut"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    change_password_api_auth_password__post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PasswordChangeIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenPair"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    refresh_api_auth_refresh__post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Refresh */
                    refresh: string;
                };
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenPair"];
                };
            };
            /** @description ValidationFailed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description TooManyRequests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RateLimitedBody"];
                };
            };
        };
    };
    register_api_auth_register__post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RegisterIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RegisterOut"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Gone */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    health_api_health__get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: string;
                    };
                };
            };
        };
    };
    list_models_api_models__get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelsOut"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_invitations_api_organization_invitations__get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InvitationOut"][];
                };
            };
            /** @description ValidationFailed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_invitation_api_organization_invitations__post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["InvitationCreateIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InvitationCreated"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    revoke_invitation_api_organization_invitations__invitation_id___delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                invitation_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    accept_invitation_api_organization_join__post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["InvitationAcceptIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RegisterOut"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Gone */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_members_api_organization_members__get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MemberOut"][];
                };
            };
            /** @description ValidationFailed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    remove_member_api_organization_members__user_id___delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                user_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    change_member_role_api_organization_members__user_id___patch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                user_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MemberUpdateIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MemberOut"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_sessions_api_sessions__get: {
        parameters: {
            query?: {
                agent?: string | null;
                limit?: number;
                offset?: number;
                /** @description Started (created) at or after this time (ISO 8601; no zone = UTC) */
                since?: string | null;
                status?: components["schemas"]["SessionStatus"] | null;
                /** @description Started (created) before this time (ISO 8601; no zone = UTC) */
                until?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionSummary"][];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_session_api_sessions__session_id___get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionDetail"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    session_events_api_sessions__session_id__events__get: {
        parameters: {
            query?: {
                /** @description Close the stream after this long */
                max_seconds?: number;
                /** @description From POST …/events/ticket/ (instead of a header) */
                ticket?: string | null;
            };
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream: events status, turn, tool_call, event, end */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    events_ticket_api_sessions__session_id__events_ticket__post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventsTicket"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    text_message_api_sessions__session_id__messages__post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    form_result?: {
                        /** Error */
                        error?: string | null;
                        /** Form Id */
                        form_id: string;
                        /** Response Id */
                        response_id?: string | null;
                        /**
                         * Status
                         * @enum {string}
                         */
                        status: "submitted" | "cancelled";
                        /** Values */
                        values?: {
                            [key: string]: string | boolean | number;
                        } | null;
                    } | null;
                    /** Text */
                    text?: string | null;
                };
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TextTurnOut"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description TooManyRequests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RateLimitedBody"];
                };
            };
        };
    };
    webrtc_offer_api_sessions__session_id__webrtc__post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Pc Id */
                    pc_id?: string | null;
                    /** Restart Pc */
                    restart_pc?: boolean | null;
                    /** Sdp */
                    sdp: string;
                    /**
                     * Type
                     * @constant
                     */
                    type: "offer";
                };
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: string;
                    };
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    webrtc_ice_api_sessions__session_id__webrtc__patch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Candidates */
                    candidates: {
                        [key: string]: unknown;
                    }[];
                    /** Pc Id */
                    pc_id: string;
                };
            };
        };
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_overview_api_stats_overview__get: {
        parameters: {
            query?: {
                /** @description One agent's slug */
                agent?: string | null;
                /** @description UTC days, today included */
                days?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OverviewOut"];
                };
            };
            /** @description Invalid request: each error names its field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description NotFound */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
}
