// "Delete" for one row of a list, asked twice (ConfirmButton with a deletion's words): the
// question names the object; focus on "keep".
import type { ApiError } from '../../api/client';
import { t } from '../../i18n/i18n';
import { ConfirmButton } from './confirm_button';

interface DeleteButtonProps {
  name: string; // the object, as the person knows it ("shop.example", "info@shop.example")
  // Resolves with null when the API took the removal, else with its refusal.
  onDelete: () => Promise<ApiError | null>;
}

export function DeleteButton({ name, onDelete }: DeleteButtonProps) {
  return (
    <ConfirmButton
      words={{
        start: t('delete.start'),
        startLabel: t('delete.start_label', { name }),
        question: t('delete.question', { name }),
        confirm: t('delete.confirm'),
        busy: t('delete.busy'),
        cancel: t('delete.cancel'),
      }}
      onConfirm={onDelete}
    />
  );
}
