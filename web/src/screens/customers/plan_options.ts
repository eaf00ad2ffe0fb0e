// The plans a person may give a customer, as <select> options: the reseller's own plans, or every
// plan for staff (GET /plans answers what the person may see). Loaded once per screen.
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../../api/client';
import { listPlans, type Plan } from '../../api/endpoints';

export function usePlans(client: ApiClient): Plan[] | null {
  const [plans, setPlans] = useState<Plan[] | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    void listPlans(client, controller.signal).then((result) => {
      if (!controller.signal.aborted) setPlans(result.ok ? result.data.plans : []);
    });
    return () => controller.abort();
  }, [client]);
  return plans;
}

export function planName(plans: Plan[] | null, id: number): string {
  return plans?.find((p) => p.id === id)?.name ?? String(id);
}
