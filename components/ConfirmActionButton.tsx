'use client';

import type { UseMutationResult } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { ConfirmDialog } from './ConfirmDialog';

/**
 * A danger button that asks first (Delete, Revoke): opens a ConfirmDialog, runs `action` on
 * confirm, closes the dialog when it succeeded and then calls `onDone`; a failure stays in the
 * dialog (the action's error message, or `error` when the caller words it).
 */
export function ConfirmActionButton({
  label = 'Delete',
  small,
  ariaLabel,
  title,
  confirmLabel,
  busyLabel,
  action,
  error,
  onOpen,
  onDone,
  children,
}: {
  label?: string;
  small?: boolean;
  ariaLabel?: string;
  title: string;
  confirmLabel: string;
  /** On the confirm button while the action runs; ConfirmDialog's "Deleting…" by default. */
  busyLabel?: string;
  action: UseMutationResult<unknown, Error, void>;
  error?: string | null;
  /** Before the dialog opens (the action's last outcome is already cleared). */
  onOpen?: () => void;
  onDone?: () => void;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className={`button button-danger${small ? ' button-small' : ''}`}
        aria-label={ariaLabel}
        onClick={() => {
          action.reset();
          onOpen?.();
          setOpen(true);
        }}
      >
        {label}
      </button>
      <ConfirmDialog
        open={open}
        title={title}
        confirmLabel={confirmLabel}
        busy={action.isPending}
        busyLabel={busyLabel}
        error={error !== undefined ? error : action.isError ? action.error.message : null}
        onCancel={() => setOpen(false)}
        onConfirm={() =>
          action.mutateAsync().then(
            () => {
              setOpen(false);
              onDone?.();
            },
            // the error is the action's state, shown in the dialog
            () => undefined,
          )
        }
      >
        {children}
      </ConfirmDialog>
    </>
  );
}
