import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiError } from '../../api/client';
import { DeleteButton } from './delete_button';

afterEach(cleanup);

describe('DeleteButton', () => {
  it('asks first, focuses "keep", and deletes only on "yes"', async () => {
    const onDelete = vi.fn(async () => null);
    render(<DeleteButton name="shop.example" onDelete={onDelete} />);
    fireEvent.click(screen.getByRole('button', { name: 'Delete shop.example' }));
    expect(screen.getByRole('group', { name: 'Delete shop.example?' })).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Keep it' })));
    fireEvent.click(screen.getByRole('button', { name: 'Keep it' }));
    expect(onDelete).not.toHaveBeenCalled();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Delete shop.example' })));

    fireEvent.click(screen.getByRole('button', { name: 'Delete shop.example' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, delete' }));
    await waitFor(() => expect(onDelete).toHaveBeenCalledTimes(1));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Delete shop.example' })).toBeTruthy());
  });

  it('shows a refusal in the catalog’s words and keeps the question open', async () => {
    const refusal: ApiError = { status: 403, code: 'forbidden', message: 'no', fields: {}, retryAfterSeconds: null };
    render(<DeleteButton name="shop.example" onDelete={async () => refusal} />);
    fireEvent.click(screen.getByRole('button', { name: 'Delete shop.example' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, delete' }));
    expect((await screen.findByRole('alert')).textContent).toBe('You may not do this.');
    expect(screen.getByRole('button', { name: 'Yes, delete' })).toBeTruthy();
  });
});
