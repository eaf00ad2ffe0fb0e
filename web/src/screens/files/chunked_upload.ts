// One file sent to the customer's home in parts (PUT /files/content?offset=&last=), with its
// progress, resumable after an error. The agent writes the parts beside the file and renames the
// whole over it when the last one arrives, so the site never serves half a file.
//
// Each part is one of the controller's chunks to the node (256 KiB), so a part either landed
// whole or not at all. After a failure the upload resumes at the bytes the API confirmed; when
// the API answers write.offset there, the part whose answer was lost had landed, and the upload
// goes on after it (a last part that landed finished the file). Any other refusal stops it,
// with the API's words; "Resume" tries the same part again.
import { signal } from '@preact/signals';
import type { ApiClient, ApiError } from '../../api/client';
import { putFilePart } from '../../api/files';

export const PART_BYTES = 256 * 1024;

export type UploadPhase = 'waiting' | 'sending' | 'stopped' | 'done';

export class ChunkedUpload {
  readonly sent = signal(0); // bytes the API confirmed
  readonly phase = signal<UploadPhase>('waiting');
  readonly error = signal<ApiError | null>(null);
  private unconfirmed: number | null = null; // the length of a part sent whose answer was lost
  private abort: AbortController | null = null;

  constructor(
    private readonly client: ApiClient,
    private readonly login: string,
    readonly path: string,
    private readonly file: Blob,
    private readonly partBytes = PART_BYTES,
  ) {}

  get size(): number {
    return this.file.size;
  }

  // Sends the parts from what the API confirmed until the file is whole or a part is refused.
  async run(): Promise<UploadPhase> {
    if (this.phase.value === 'sending' || this.phase.value === 'done') return this.phase.value;
    this.phase.value = 'sending';
    this.error.value = null;
    this.abort = new AbortController();
    for (;;) {
      const offset = this.sent.value;
      const end = Math.min(offset + this.partBytes, this.size);
      const last = end === this.size;
      const result = await putFilePart(
        this.client,
        this.login,
        { path: this.path, offset, last },
        this.file.slice(offset, end),
        this.abort.signal,
      );
      if (result.ok) {
        this.unconfirmed = null;
        this.sent.value = end;
        if (last) return (this.phase.value = 'done');
        continue;
      }
      const lost = this.unconfirmed;
      if (lost !== null && result.error.fields['offset'] === 'write.offset') {
        // The part sent before the failure had landed: go on after it.
        this.unconfirmed = null;
        this.sent.value = offset + lost;
        if (this.sent.value >= this.size) return (this.phase.value = 'done');
        continue;
      }
      // No answer: the part may have landed. A refusal: it did not.
      this.unconfirmed = result.error.status === 0 || result.error.status >= 500 ? end - offset : null;
      this.error.value = result.error;
      return (this.phase.value = 'stopped');
    }
  }

  cancel(): void {
    this.abort?.abort();
  }
}
