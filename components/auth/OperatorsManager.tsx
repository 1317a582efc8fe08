'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, keys } from '@/lib/client/api';
import type { OperatorAccount } from '@/lib/client/types';
import { ErrorNote } from '../ErrorNote';
import { OperatorCreateForm } from './OperatorCreateForm';
import { OperatorsTable } from './OperatorsTable';

/** The operators page body: the list (rendered first with the server's `initial`), its notices, and the add form. */
export function OperatorsManager({ initial, selfId }: { initial: OperatorAccount[]; selfId: number }) {
  const operators = useQuery({ queryKey: keys.operators, queryFn: api.operators.list, initialData: initial });
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <>
      <div role="status" aria-live="polite" className="flash-region">
        {notice ? <p className="alert alert-success">{notice}</p> : null}
      </div>
      <ErrorNote error={operators.error} />
      <OperatorsTable operators={operators.data} selfId={selfId} onNotice={setNotice} />
      <OperatorCreateForm onCreated={setNotice} />
    </>
  );
}
