// The customer whose services the customer screens show: the person acted as ("log in as"), else
// the person signed in. A customer's login is its account's login (the API's ?customer=).
import type { Session } from '../api/session';

export function customerLogin(session: Session | null): string {
  if (!session) return '';
  return session.acting_as?.login ?? session.person.login;
}
