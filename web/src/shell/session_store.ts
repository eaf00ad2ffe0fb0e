// Who is signed in, as the panel knows it: asked of the API once at start (GET
// /sessions/current), set by the sign-in screen, cleared on sign-out. The session cookie itself
// is HttpOnly and never seen here; the CSRF token of the session is handed to the API client.
// Owned by the app; UI thread only.
import { signal } from '@preact/signals';
import type { ApiClient, ApiError } from '../api/client';
import { currentSession, type Session, signOut, startActingAs, stopActingAs } from '../api/session';

export type SessionStatus = 'loading' | 'signed_out' | 'signed_in' | 'unreachable';

export class SessionStore {
  readonly status = signal<SessionStatus>('loading');
  readonly session = signal<Session | null>(null);
  readonly error = signal<ApiError | null>(null);

  constructor(readonly client: ApiClient) {}

  // Asks the API who this browser is. Any refusal means signed out (401 once issue 14's routes
  // exist; 404 before them); no answer at all, or a 5xx, means the server is unreachable.
  async load(): Promise<void> {
    this.status.value = 'loading';
    const result = await currentSession(this.client);
    if (result.ok) {
      this.set(result.data.session);
      return;
    }
    this.set(null);
    if (result.error.status === 0 || result.error.status >= 500) {
      this.error.value = result.error;
      this.status.value = 'unreachable';
    }
  }

  set(session: Session | null): void {
    this.session.value = session;
    this.error.value = null;
    this.client.setCsrfToken(session?.csrf_token ?? null);
    this.status.value = session ? 'signed_in' : 'signed_out';
  }

  async signOut(): Promise<void> {
    const result = await signOut(this.client);
    if (result.ok || result.error.status === 401) this.set(null);
    else this.error.value = result.error;
  }

  // "Log in as" someone: the session acts as them (the customer's view) until it ends. Returns
  // the refusal, if any, for the screen that asked.
  async actAs(login: string): Promise<ApiError | null> {
    const result = await startActingAs(this.client, login);
    if (!result.ok) return result.error;
    this.set(result.data.session);
    return null;
  }

  async stopActingAs(): Promise<void> {
    const result = await stopActingAs(this.client);
    if (result.ok) this.set(result.data.session);
    else this.error.value = result.error;
  }
}
