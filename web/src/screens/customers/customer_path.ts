// The URL of one customer's screen.
export function customerPath(login: string): string {
  return `/customers/${encodeURIComponent(login)}`;
}
