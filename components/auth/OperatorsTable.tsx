'use client';

import { Fragment, useRef, useState } from 'react';
import type { OperatorAccount } from '@/lib/client/types';
import { DeleteOperatorButton } from './DeleteOperatorButton';
import { EditOperatorDialog } from './EditOperatorDialog';
import { LocalTime } from './LocalTime';
import { OperatorTokens } from './OperatorTokens';
import { UnlockOperatorButton } from './UnlockOperatorButton';

/**
 * Every operator with edit (role, disabled, password), sign-in unlock, their API tokens (listed on
 * demand, revocable) and delete per row; `selfId` marks the caller.
 */
export function OperatorsTable({ operators, selfId, onNotice }: { operators: OperatorAccount[]; selfId: number; onNotice: (message: string) => void }) {
  const [editing, setEditing] = useState<OperatorAccount | null>(null);
  const [showingTokens, setShowingTokens] = useState<number | null>(null);
  const opener = useRef<HTMLButtonElement | null>(null);
  const closeEditor = () => {
    setEditing(null);
    // the dialog is unmounted rather than closed, so focus goes back to its Edit button by hand
    requestAnimationFrame(() => opener.current?.focus());
  };
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="sr-only">Operators</caption>
        <thead>
          <tr>
            <th scope="col">E-mail</th>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {operators.map((o) => (
            <Fragment key={o.id}>
              <tr>
                <th scope="row">
                  {o.email}
                  {o.id === selfId ? <span className="muted"> (you)</span> : null}
                </th>
                <td>{o.name || <span className="muted">—</span>}</td>
                <td>
                  <span className="role-tag">{o.role}</span>
                </td>
                <td>{o.disabled ? <span className="badge badge-disabled">Disabled</span> : 'Active'}</td>
                <td>
                  <LocalTime at={o.createdAt} />
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="button button-small"
                    aria-label={`Edit operator ${o.email}`}
                    onClick={(e) => {
                      opener.current = e.currentTarget;
                      setEditing(o);
                    }}
                  >
                    Edit
                  </button>
                  <UnlockOperatorButton operator={o} onNotice={onNotice} />
                  <button
                    type="button"
                    className="button button-small"
                    aria-expanded={showingTokens === o.id}
                    aria-label={`API tokens of ${o.email}`}
                    onClick={() => setShowingTokens(showingTokens === o.id ? null : o.id)}
                  >
                    Tokens
                  </button>
                  <DeleteOperatorButton operator={o} onDeleted={onNotice} />
                </td>
              </tr>
              {showingTokens === o.id ? (
                <tr id={`operator-tokens-${o.id}`}>
                  <td colSpan={6}>
                    <OperatorTokens operator={o} onNotice={onNotice} />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
      {editing ? (
        <EditOperatorDialog
          key={editing.id}
          operator={editing}
          onClose={closeEditor}
          onSaved={(message) => {
            closeEditor();
            onNotice(message);
          }}
        />
      ) : null}
    </div>
  );
}
