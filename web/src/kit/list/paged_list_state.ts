// The state of one paged, searchable list: the page shown, the cursors of the pages before it (for
// "Previous"), the search, and the loading and error states. Each load cancels the one before,
// and an answer that arrives after a newer request started is dropped, so fast clicks never show
// a stale page. UI thread only.
import { signal } from '@preact/signals';
import type { ApiError } from '../../api/client';
import type { PageSource } from './page_source';

export class PagedListState<T> {
  readonly items = signal<T[]>([]);
  readonly loading = signal(false);
  readonly error = signal<ApiError | null>(null);
  readonly search = signal('');
  readonly pageNumber = signal(1);
  readonly hasNext = signal(false);
  readonly hasPrevious = signal(false);

  // cursors[i] is the cursor of page i + 1 (null for the first page).
  private cursors: (string | null)[] = [null];
  private nextCursor: string | null = null;
  private sequence = 0;
  private inFlight: AbortController | null = null;

  constructor(
    private readonly source: PageSource<T>,
    private readonly limit: number,
  ) {}

  get searchable(): boolean {
    return this.source.searchable;
  }

  // Loads the first page (again), with the current search.
  first(): Promise<void> {
    this.cursors = [null];
    return this.load();
  }

  next(): Promise<void> {
    if (this.nextCursor === null || this.loading.value) return Promise.resolve();
    this.cursors.push(this.nextCursor);
    return this.load();
  }

  previous(): Promise<void> {
    if (this.cursors.length < 2 || this.loading.value) return Promise.resolve();
    this.cursors.pop();
    return this.load();
  }

  setSearch(query: string): Promise<void> {
    this.search.value = query.trim();
    return this.first();
  }

  dispose(): void {
    this.sequence += 1;
    this.inFlight?.abort();
  }

  private async load(): Promise<void> {
    const mine = ++this.sequence;
    this.inFlight?.abort();
    const controller = new AbortController();
    this.inFlight = controller;
    this.loading.value = true;
    const cursor = this.cursors[this.cursors.length - 1] ?? null;
    const result = await this.source.fetch(
      { cursor, limit: this.limit, search: this.source.searchable ? this.search.value : '' },
      controller.signal,
    );
    if (mine !== this.sequence) return; // a newer load owns the state now
    this.loading.value = false;
    this.pageNumber.value = this.cursors.length;
    this.hasPrevious.value = this.cursors.length > 1;
    if (!result.ok) {
      this.error.value = result.error;
      this.nextCursor = null;
      this.hasNext.value = false;
      return;
    }
    this.error.value = null;
    this.items.value = result.data.items;
    this.nextCursor = result.data.next;
    this.hasNext.value = result.data.next !== null;
  }
}
