import { describe, expect, it } from 'vitest';
import { fail, FakeApiClient, ok, type Call } from '../../testing/fake_api_client';
import { ChunkedUpload } from './chunked_upload';

// jsdom's Blob has no arrayBuffer(): read it as a browser of its age would.
function read(blob: Blob): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const r = new FileReader();
    r.onload = () => resolve(new Uint8Array(r.result as ArrayBuffer));
    r.readAsArrayBuffer(blob);
  });
}

// A node's partial upload as the agent keeps it: parts must follow on (write.offset otherwise).
class FakeNode {
  part = new Uint8Array(0);
  file: Uint8Array | null = null;
  async answer(call: Call) {
    const q = call.options.query as { offset: number; last: boolean };
    const bytes = await read(call.options.bytes as Blob);
    if (q.offset !== this.part.length) {
      return fail({ status: 409, code: 'conflict', fields: { offset: 'write.offset' } });
    }
    const next = new Uint8Array(this.part.length + bytes.length);
    next.set(this.part);
    next.set(bytes, this.part.length);
    this.part = next;
    if (q.last) {
      this.file = this.part;
      this.part = new Uint8Array(0);
    }
    return ok({ path: 'f', size: next.length, mtime_ns: 1, done: q.last });
  }
}

const bytes = (n: number) => new Blob([Uint8Array.from({ length: n }, (_, i) => i % 251)]);

describe('ChunkedUpload', () => {
  it('sends the file in parts that follow on, the last one marked', async () => {
    const node = new FakeNode();
    const client = new FakeApiClient((c) => node.answer(c));
    const up = new ChunkedUpload(client, 'acme', 'sites/a/public/x.bin', bytes(10), 4);
    expect(await up.run()).toBe('done');
    expect(client.calls.map((c) => c.options.query)).toEqual([
      { path: 'sites/a/public/x.bin', offset: 0, last: false },
      { path: 'sites/a/public/x.bin', offset: 4, last: false },
      { path: 'sites/a/public/x.bin', offset: 8, last: true },
    ]);
    expect(client.calls[0]?.path).toBe('/customers/acme/files/content');
    expect(client.calls[0]?.method).toBe('PUT');
    expect([...node.file!]).toEqual([...(await read(bytes(10)))]);
    expect(up.sent.value).toBe(10);
  });

  it('sends an empty file as one last part', async () => {
    const node = new FakeNode();
    const up = new ChunkedUpload(new FakeApiClient((c) => node.answer(c)), 'acme', 'e', new Blob([]), 4);
    expect(await up.run()).toBe('done');
    expect(node.file?.length).toBe(0);
  });

  it('resumes after a lost answer: the part had landed, so it goes on after it', async () => {
    const node = new FakeNode();
    let cut = true;
    const client = new FakeApiClient(async (c) => {
      const answer = await node.answer(c);
      if (cut && (c.options.query as { offset: number }).offset === 4) {
        cut = false; // the node wrote the part; the connection broke before its answer
        return fail({ status: 0, code: 'network' });
      }
      return answer;
    });
    const up = new ChunkedUpload(client, 'acme', 'x', bytes(10), 4);
    expect(await up.run()).toBe('stopped');
    expect(up.sent.value).toBe(4);
    expect(up.error.value?.code).toBe('network');
    expect(await up.run()).toBe('done');
    expect(node.file?.length).toBe(10);
    // The part at 4 was tried again, refused with write.offset, then the upload went on at 8.
    expect(client.calls.map((c) => (c.options.query as { offset: number }).offset)).toEqual([0, 4, 4, 8]);
  });

  it('resumes after a failure before the part landed by sending it again', async () => {
    const node = new FakeNode();
    let down = true;
    const client = new FakeApiClient(async (c) => {
      if (down && (c.options.query as { offset: number }).offset === 4) {
        down = false;
        return fail({ status: 503, code: 'unavailable' });
      }
      return node.answer(c);
    });
    const up = new ChunkedUpload(client, 'acme', 'x', bytes(10), 4);
    expect(await up.run()).toBe('stopped');
    expect(await up.run()).toBe('done');
    expect([...node.file!]).toEqual([...(await read(bytes(10)))]);
  });

  it('finishes when the lost answer was the last part’s', async () => {
    const node = new FakeNode();
    let cut = true;
    const client = new FakeApiClient(async (c) => {
      const answer = await node.answer(c);
      if (cut && (c.options.query as { last: boolean }).last) {
        cut = false;
        return fail({ status: 0, code: 'network' });
      }
      return answer;
    });
    const up = new ChunkedUpload(client, 'acme', 'x', bytes(6), 4);
    expect(await up.run()).toBe('stopped');
    expect(await up.run()).toBe('done');
    expect(up.sent.value).toBe(6);
  });

  it('stops on a refusal with the API’s error and does not skip ahead', async () => {
    const client = new FakeApiClient(() => fail({ status: 409, code: 'limit_reached', fields: { path: 'file.no_space' } }));
    const up = new ChunkedUpload(client, 'acme', 'x', bytes(10), 4);
    expect(await up.run()).toBe('stopped');
    expect(up.error.value?.fields).toEqual({ path: 'file.no_space' });
    expect(await up.run()).toBe('stopped');
    expect(up.sent.value).toBe(0);
    expect(client.calls.map((c) => (c.options.query as { offset: number }).offset)).toEqual([0, 0]);
  });
});
