// Whether the panel shows the customer's view (dashboard and managers): a customer signed in, or
// anyone acting as a customer ("log in as").
import type { SessionStore } from './session_store';

export function isCustomerView(store: SessionStore): boolean {
  const session = store.session.value;
  if (!session) return false;
  return (session.acting_as?.role ?? session.person.role) === 'customer';
}
