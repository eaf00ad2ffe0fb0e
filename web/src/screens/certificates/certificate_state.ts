// The customer's certificates by site (GET /certificates?customer=, one whole list), reloaded on
// demand. A site without an entry has never asked for one. Owned by the certificates screen; UI
// thread only.
import { signal } from '@preact/signals';
import type { ApiClient, ApiError } from '../../api/client';
import { type Certificate, listCertificates } from '../../api/endpoints';

export class CertificateState {
  readonly bySite = signal<ReadonlyMap<string, Certificate>>(new Map());
  readonly error = signal<ApiError | null>(null);
  private controller: AbortController | null = null;

  constructor(
    private readonly client: ApiClient,
    private readonly customer: string,
  ) {}

  async load(): Promise<void> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const result = await listCertificates(this.client, this.customer, controller.signal);
    if (controller.signal.aborted) return;
    if (!result.ok) {
      this.error.value = result.error;
      return;
    }
    this.error.value = null;
    this.bySite.value = new Map((result.data.certificates ?? []).map((c) => [c.name, c]));
  }

  dispose(): void {
    this.controller?.abort();
  }
}
