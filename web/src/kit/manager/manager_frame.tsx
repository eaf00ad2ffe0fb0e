// The frame of a manager screen: its heading (focused on arrival), the "add" form in its own
// section, the changes made here with their live state, and the paged list.
import type { ComponentChildren, Ref } from 'preact';
import { useId } from 'preact/hooks';
import type { ApiClient } from '../../api/client';
import { ChangeList } from './change_list';
import type { Manager } from './use_manager';

interface ManagerFrameProps {
  heading: Ref<HTMLHeadingElement>;
  title: string;
  intro?: ComponentChildren;
  addTitle: string;
  form: ComponentChildren;
  client: ApiClient;
  manager: Manager;
  children: ComponentChildren; // the list
}

export function ManagerFrame({ heading, title, intro, addTitle, form, client, manager, children }: ManagerFrameProps) {
  const formHeading = useId();
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {intro}
      <section class="panel" aria-labelledby={formHeading}>
        <h2 id={formHeading}>{addTitle}</h2>
        {form}
      </section>
      <ChangeList client={client} state={manager.changes} />
      {children}
    </>
  );
}
