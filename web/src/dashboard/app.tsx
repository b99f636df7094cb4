import { QueryClient, QueryClientProvider } from "@tanstack/preact-query";
import { useEffect } from "preact/hooks";
import { Link, Redirect, Route, Router, Switch, useLocation } from "wouter-preact";
import { ApiError } from "./api/errors";
import { Layout } from "./components/layout";
import { AppContext, type AppServices, useServices, useSessionStatus } from "./context";
import { AccountPage } from "./pages/account";
import { AgentPage } from "./pages/agent-edit";
import { KnowledgePage } from "./pages/agent-knowledge";
import { LookPage } from "./pages/agent-look";
import { FormsPage } from "./pages/agent-forms";
import { NewAgentPage } from "./pages/agent-new";
import { ToolsPage } from "./pages/agent-tools";
import { TryPage } from "./pages/agent-try";
import { AgentsPage } from "./pages/agents";
import { CallPage } from "./pages/call";
import { CallsPage } from "./pages/calls";
import { OverviewPage } from "./pages/overview";
import { ResponsesPage } from "./pages/responses";
import { Register } from "./pages/register";
import { SignIn } from "./pages/sign-in";

export const BASE = "/dashboard";

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // Client errors (404, 403, an ended session) are answers, not hiccups.
        retry: (count, err) => !(err instanceof ApiError && err.status > 0 && err.status < 500) && count < 2,
        refetchOnWindowFocus: false,
      },
    },
  });
}

function Title() {
  const [location] = useLocation();
  useEffect(() => {
    const part = location.split("/")[1] ?? "";
    const name = { agents: "Agents", calls: "Calls", account: "Account", overview: "Overview", responses: "Form responses", register: "Create an account" }[part] ?? "Dashboard";
    document.title = `${name} · Oshara`;
    document.getElementById("main")?.focus({ preventScroll: true });
  }, [location]);
  return null;
}

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p><Link href="/agents">Go to your agents</Link></p>
    </>
  );
}

function Gate() {
  const status = useSessionStatus();
  const [location] = useLocation();
  const { config } = useServices();
  if (status !== "signed-in") {
    if (location === "/register" && config.registration) return <Register />;
    return <SignIn expired={status === "expired"} />;
  }
  return (
    <Layout>
      <Switch>
        <Route path="/"><Redirect to="/agents" replace /></Route>
        <Route path="/register"><Redirect to="/agents" replace /></Route>
        <Route path="/agents" component={AgentsPage} />
        <Route path="/agents/new" component={NewAgentPage} />
        <Route path="/agents/:slug/knowledge">{(p: { slug: string }) => <KnowledgePage slug={p.slug} />}</Route>
        <Route path="/agents/:slug/try">{(p: { slug: string }) => <TryPage slug={p.slug} />}</Route>
        <Route path="/agents/:slug/responses">{(p: { slug: string }) => <ResponsesPage slug={p.slug} />}</Route>
        <Route path="/agents/:slug/look">{(p: { slug: string }) => <LookPage slug={p.slug} />}</Route>
        <Route path="/agents/:slug/forms">{(p: { slug: string }) => <FormsPage slug={p.slug} />}</Route>
        <Route path="/agents/:slug/tools">{(p: { slug: string }) => <ToolsPage slug={p.slug} />}</Route>
        <Route path="/agents/:slug">{(p: { slug: string }) => <AgentPage slug={p.slug} />}</Route>
        <Route path="/account" component={AccountPage} />
        <Route path="/overview" component={OverviewPage} />
        <Route path="/responses"><ResponsesPage /></Route>
        <Route path="/calls" component={CallsPage} />
        <Route path="/calls/:id">{(p: { id: string }) => <CallPage id={decodeURIComponent(p.id)} />}</Route>
        <Route><NotFound /></Route>
      </Switch>
    </Layout>
  );
}

export function App({ services, queryClient }: { services: AppServices; queryClient: QueryClient }) {
  return (
    <AppContext.Provider value={services}>
      <QueryClientProvider client={queryClient}>
        <Router base={BASE}>
          <Title />
          <Gate />
        </Router>
      </QueryClientProvider>
    </AppContext.Provider>
  );
}
